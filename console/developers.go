package console

func (s *Server) developerRoutes() []Route {
	return nil
}
