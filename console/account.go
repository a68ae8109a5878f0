package console

import (
	"net/http"

	"github.com/coftkit/coft"
	"github.com/coftkit/coft/components"
)

// Account serves GET /console/{merchant_id}/account: who is signed in,
// and their authenticator (set one up; required when the merchant says
// so).
func (s *Server) Account(w http.ResponseWriter, r *http.Request, v *viewer) error {
	s.render(w, r, http.StatusOK, components.ConsoleAccount(v.frame("account", "Your account"), s.accountView(w, r, v, "")))
	return nil
}

func (s *Server) accountView(w http.ResponseWriter, r *http.Request, v *viewer, msg string) components.AccountView {
	av := components.AccountView{Error: msg, Required: v.merchant.RequireTOTP}
	if v.user == nil {
		return av
	}
	av.Email, av.HasTOTP = v.user.Email, v.user.TOTPSecret != ""
	if !av.HasTOTP {
		sess, _ := s.cfg.Sessions.Get(r, cookieName)
		secret, _ := sess.Values["enrol"].(string)
		if secret == "" {
			secret = newTOTPSecret(v.user.Email)
			sess.Values["enrol"] = secret
			s.saveSession(w, r, sess, int(s.cfg.MaxAge.Seconds()))
		}
		av.Enrol = enrolView(secret, v.user.Email)
	}
	return av
}

// AccountTOTP serves POST /console/{merchant_id}/account/totp: a code
// from the new authenticator turns the second factor on.
func (s *Server) AccountTOTP(w http.ResponseWriter, r *http.Request, v *viewer) error {
	if v.user == nil {
		return coft.Errorf(coft.EFORBIDDEN, "The demo's visitor has no account to secure.")
	}
	if v.user.TOTPSecret != "" {
		http.Redirect(w, r, "/console/"+v.merchant.ID+"/account", http.StatusSeeOther)
		return nil
	}
	sess, _ := s.cfg.Sessions.Get(r, cookieName)
	secret, _ := sess.Values["enrol"].(string)
	step, ok := checkTOTP(secret, r.PostFormValue("code"), s.cfg.Now(), 0)
	if !ok {
		s.render(w, r, http.StatusBadRequest, components.ConsoleAccount(v.frame("account", "Your account"),
			s.accountView(w, r, v, "That code is not right. Type the 6 digits your authenticator shows now.")))
		return nil
	}
	if _, err := s.cfg.Store.UpdateUser(r.Context(), v.user.ID, func(u *coft.User) error {
		u.TOTPSecret, u.TOTPLastStep = secret, step
		return nil
	}); err != nil {
		return err
	}
	delete(sess.Values, "enrol")
	if err := s.saveSession(w, r, sess, int(s.cfg.MaxAge.Seconds())); err != nil {
		return err
	}
	http.Redirect(w, r, "/console/"+v.merchant.ID+"/account", http.StatusSeeOther)
	return nil
}
