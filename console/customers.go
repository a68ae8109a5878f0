package console

func (s *Server) customerRoutes() []Route {
	return nil
}
