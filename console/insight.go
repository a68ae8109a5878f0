package console

func (s *Server) insightRoutes() []Route {
	return nil
}
