package console

func (s *Server) settingsRoutes() []Route {
	return nil
}
