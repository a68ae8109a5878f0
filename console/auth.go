package console

import (
	"crypto/subtle"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/coftkit/coft"
	"github.com/coftkit/coft/components"
	"github.com/coftkit/coft/juspay"
	"github.com/coftkit/coft/pages"
	"github.com/gorilla/sessions"
)

// cookieName is the console's session cookie; its path is /console.
const cookieName = "coft_console"

// Sign-in limits: an account is locked for lockFor after every
// lockAfter failed sign-ins in a row (across instances: the count is the
// user's); an address is refused after ipFailures failures in ipWindow
// (per instance).
const (
	lockAfter   = 5
	lockFor     = 15 * time.Minute
	ipFailures  = 20
	ipWindow    = 15 * time.Minute
	pendingTime = 5 * time.Minute // between the password and the code
)

// viewer is who is looking at a merchant's console: a signed-in user, or,
// on the sandbox's demo merchant, a visitor.
type viewer struct {
	user     *coft.User // nil: the demo's visitor
	merchant *coft.Merchant
	role     coft.Role
	token    string // the form token
}

// actor names the viewer in the audit log.
func (v *viewer) actor() string {
	if v.user == nil {
		return "demo visitor"
	}
	return v.user.Email
}

// frame is what every console page's frame shows.
func (v *viewer) frame(section, title string) components.ConsoleFrame {
	f := components.ConsoleFrame{Title: title, Section: section, MerchantID: v.merchant.ID,
		MerchantName: v.merchant.DisplayName(), Role: string(v.role), Token: v.token, Demo: v.user == nil}
	if v.user != nil {
		f.Email = v.user.Email
	}
	return f
}

// can reports whether the viewer may make changes of kind p.
func (v *viewer) can(p coft.Permission) bool { return v.role.Can(p) }

// signedIn is the user of the request's session, if any.
func (s *Server) signedIn(r *http.Request) (*coft.User, string, error) {
	sess, _ := s.cfg.Sessions.Get(r, cookieName)
	sid, _ := sess.Values["sid"].(string)
	if sid == "" {
		return nil, "", nil
	}
	ctx := r.Context()
	cs, err := s.cfg.Store.FindConsoleSession(ctx, sha256Hex(sid))
	if coft.ErrorCode(err) == coft.ENOTFOUND {
		return nil, "", nil
	} else if err != nil {
		return nil, "", err
	}
	now := s.cfg.Now()
	if now.Sub(cs.LastSeenAt) > s.cfg.IdleTimeout || now.Sub(cs.CreatedAt) > s.cfg.MaxAge {
		s.cfg.Store.EndConsoleSession(ctx, cs.IDHash)
		return nil, "", nil
	}
	u, err := s.cfg.Store.FindUserByID(ctx, cs.UserID)
	if coft.ErrorCode(err) == coft.ENOTFOUND {
		return nil, "", nil
	} else if err != nil {
		return nil, "", err
	}
	// A session's use is written at most once a minute: reading a page
	// should not mean a write.
	if now.Sub(cs.LastSeenAt) > time.Minute {
		if err := s.cfg.Store.TouchConsoleSession(ctx, cs.IDHash, now); err != nil {
			return nil, "", err
		}
	}
	return u, cs.IDHash, nil
}

// handler is a console page of a merchant, for its viewer.
type handler func(w http.ResponseWriter, r *http.Request, v *viewer) error

// page serves a merchant's page to its viewers; perm, when not empty, is
// the permission it needs. A post must also carry the form token.
func (s *Server) page(perm coft.Permission, h handler) http.Handler {
	return s.errors(func(w http.ResponseWriter, r *http.Request) error {
		merchantID := r.PathValue("merchant_id")
		u, sessionHash, err := s.signedIn(r)
		if err != nil {
			return err
		}
		v := &viewer{user: u}
		switch {
		case u != nil && u.MerchantID == merchantID:
			v.role, v.token = u.Role, s.formToken(sessionHash)
		case merchantID != "" && merchantID == s.cfg.DemoMerchant:
			v.user, v.role, v.token = nil, coft.RoleAdmin, s.formToken("demo:"+merchantID)
		case u == nil:
			if r.Method == http.MethodGet {
				http.Redirect(w, r, "/console/sign-in?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
				return nil
			}
			return coft.Errorf(coft.EUNAUTHORIZED, "Please sign in again.")
		default: // another merchant's: answered as if it did not exist
			return errNotFound
		}
		if v.merchant, err = s.cfg.Store.FindMerchantByID(r.Context(), merchantID); err != nil {
			if coft.ErrorCode(err) == coft.ENOTFOUND {
				return errNotFound
			}
			return err
		}
		// A merchant that requires an authenticator lets a user without one
		// (signed in before it was required) reach only their account page,
		// to add one.
		account := "/console/" + merchantID + "/account"
		if v.user != nil && v.merchant.RequireTOTP && v.user.TOTPSecret == "" &&
			r.URL.Path != account && !strings.HasPrefix(r.URL.Path, account+"/") {
			http.Redirect(w, r, "/console/"+merchantID+"/account", http.StatusSeeOther)
			return nil
		}
		if r.Method == http.MethodPost {
			if subtle.ConstantTimeCompare([]byte(r.PostFormValue("csrf")), []byte(v.token)) != 1 {
				return coft.Errorf(coft.EFORBIDDEN, "This form has expired. Please reload the page and try again.")
			}
		}
		if perm != "" && !v.can(perm) {
			return coft.Errorf(coft.EFORBIDDEN, "Your role (%s) cannot do this: ask an admin of %s.", v.role, v.merchant.DisplayName())
		}
		return h(w, r, v)
	})
}

var errNotFound = coft.Errorf(coft.ENOTFOUND, "There is no such page.")

// startSession signs u in: a new session id, never one the browser brought
// (a planted cookie gains nothing), its hash stored.
func (s *Server) startSession(w http.ResponseWriter, r *http.Request, u *coft.User) error {
	sess, _ := s.cfg.Sessions.Get(r, cookieName)
	if old, _ := sess.Values["sid"].(string); old != "" {
		s.cfg.Store.EndConsoleSession(r.Context(), sha256Hex(old))
	}
	sid := coft.RandomHex(32)
	now := s.cfg.Now()
	if err := s.cfg.Store.CreateConsoleSession(r.Context(), &coft.ConsoleSession{IDHash: sha256Hex(sid), UserID: u.ID,
		MerchantID: u.MerchantID, CreatedAt: now, LastSeenAt: now}); err != nil {
		return err
	}
	if _, err := s.cfg.Store.UpdateUser(r.Context(), u.ID, func(u *coft.User) error {
		u.FailedSignIns, u.LockedUntil, u.LastSignInAt = 0, time.Time{}, now
		return nil
	}); err != nil {
		return err
	}
	sess.Values = map[any]any{"sid": sid}
	return s.saveSession(w, r, sess, int(s.cfg.MaxAge.Seconds()))
}

// saveSession writes the cookie: HttpOnly, SameSite=Lax, Secure under
// https, under /console only.
func (s *Server) saveSession(w http.ResponseWriter, r *http.Request, sess *sessions.Session, maxAge int) error {
	sess.Options = &sessions.Options{Path: "/console", MaxAge: maxAge, HttpOnly: true, SameSite: http.SameSiteLaxMode,
		Secure: r.TLS != nil || strings.HasPrefix(s.cfg.BaseURL, "https://")}
	return sess.Save(r, w)
}

// signInFailed counts a failed sign-in against the user and the address.
func (s *Server) signInFailed(r *http.Request, u *coft.User) error {
	s.limiter.fail(pages.ClientIP(r))
	if u == nil {
		return nil
	}
	_, err := s.cfg.Store.UpdateUser(r.Context(), u.ID, func(u *coft.User) error {
		u.FailedSignIns++
		if u.FailedSignIns%lockAfter == 0 {
			u.LockedUntil = s.cfg.Now().Add(lockFor)
		}
		return nil
	})
	return err
}

var errSignIn = coft.Errorf(coft.EUNAUTHORIZED, "The email or password is not right.")

// errTooMany refuses a sign-in of a locked account or from an address
// over its limit: 429, as for any client asking too often.
var errTooMany = &juspay.StatusError{Status: http.StatusTooManyRequests,
	Err: coft.Errorf(coft.EUNAVAILABLE, "Too many failed sign-ins. Please wait 15 minutes and try again.")}

// SignInPage serves GET /console/sign-in.
func (s *Server) SignInPage(w http.ResponseWriter, r *http.Request) error {
	if u, _, err := s.signedIn(r); err == nil && u != nil {
		http.Redirect(w, r, "/console/"+u.MerchantID+"/orders", http.StatusSeeOther)
		return nil
	}
	s.render(w, r, http.StatusOK, components.ConsoleSignIn(components.SignInView{Next: safeNext(r.URL.Query().Get("next")),
		Notice: signInNotice(r.URL.Query().Get("notice")), Demo: s.cfg.DemoMerchant}))
	return nil
}

func signInNotice(code string) string {
	switch code {
	case "password-set":
		return "Your password is set. Sign in with it."
	case "signed-out":
		return "You have signed out."
	}
	return ""
}

// SignIn serves POST /console/sign-in: the password, then (when the user
// has an authenticator) the code.
func (s *Server) SignIn(w http.ResponseWriter, r *http.Request) error {
	email, password, next := strings.TrimSpace(r.PostFormValue("email")), r.PostFormValue("password"), safeNext(r.PostFormValue("next"))
	again := func(err error) error {
		_, status := statusOf(err)
		if status == http.StatusTooManyRequests {
			w.Header().Set("Retry-After", "900")
		}
		s.render(w, r, status, components.ConsoleSignIn(components.SignInView{Email: email, Next: next, Error: coft.ErrorMessage(err), Demo: s.cfg.DemoMerchant}))
		return nil
	}
	if !s.limiter.allow(pages.ClientIP(r)) {
		return again(errTooMany)
	}
	u, err := s.cfg.Store.FindUserByEmail(r.Context(), email)
	if err != nil && coft.ErrorCode(err) != coft.ENOTFOUND {
		return err
	}
	if u != nil && s.cfg.Now().Before(u.LockedUntil) {
		CheckPassword(dummyHash(), password) // the same time as any other answer
		s.limiter.fail(pages.ClientIP(r))    // guesses at a locked account count against the address too
		return again(errTooMany)
	}
	hash := dummyHash()
	if u != nil && u.PasswordHash != "" {
		hash = u.PasswordHash
	}
	if !CheckPassword(hash, password) || u == nil || u.PasswordHash == "" {
		if err := s.signInFailed(r, u); err != nil {
			return err
		}
		return again(errSignIn)
	}
	m, err := s.cfg.Store.FindMerchantByID(r.Context(), u.MerchantID)
	if err != nil {
		return err
	}
	if u.TOTPSecret != "" || m.RequireTOTP {
		sess, _ := s.cfg.Sessions.Get(r, cookieName)
		sess.Values = map[any]any{"pending": u.ID, "pending_at": s.cfg.Now().Unix(), "next": next}
		if u.TOTPSecret == "" { // the merchant asks for a second factor the user has yet to set up
			sess.Values["enrol"] = newTOTPSecret(u.Email)
		}
		if err := s.saveSession(w, r, sess, int(pendingTime.Seconds())); err != nil {
			return err
		}
		http.Redirect(w, r, "/console/sign-in/code", http.StatusSeeOther)
		return nil
	}
	if err := s.startSession(w, r, u); err != nil {
		return err
	}
	http.Redirect(w, r, landing(u, next), http.StatusSeeOther)
	return nil
}

// landing is where a signed-in user goes: next when it is one of the
// user's merchant's pages, else the orders.
func landing(u *coft.User, next string) string {
	if strings.HasPrefix(next, "/console/"+u.MerchantID+"/") {
		return next
	}
	return "/console/" + u.MerchantID + "/orders"
}

// safeNext keeps a ?next= that is a console path on this site, nothing
// else (no open redirect).
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/console/") || strings.HasPrefix(next, "//") || strings.ContainsAny(next, "\\\r\n") {
		return ""
	}
	return next
}

// pendingUser is the user half signed in (password checked, code not
// yet), and the secret they are enrolling when they have none.
func (s *Server) pendingUser(r *http.Request) (*coft.User, *sessions.Session, error) {
	sess, _ := s.cfg.Sessions.Get(r, cookieName)
	id, _ := sess.Values["pending"].(string)
	at, _ := sess.Values["pending_at"].(int64)
	if id == "" || s.cfg.Now().Sub(time.Unix(at, 0)) > pendingTime {
		return nil, nil, coft.Errorf(coft.EUNAUTHORIZED, "Your sign-in has expired. Please sign in again.")
	}
	u, err := s.cfg.Store.FindUserByID(r.Context(), id)
	if err != nil {
		return nil, nil, err
	}
	return u, sess, nil
}

// CodePage serves GET /console/sign-in/code: the authenticator's code, or
// setting up an authenticator when the merchant requires one.
func (s *Server) CodePage(w http.ResponseWriter, r *http.Request) error {
	u, sess, err := s.pendingUser(r)
	if err != nil {
		http.Redirect(w, r, "/console/sign-in", http.StatusSeeOther)
		return nil
	}
	s.render(w, r, http.StatusOK, components.ConsoleCode(s.codeView(u, sess, "")))
	return nil
}

func (s *Server) codeView(u *coft.User, sess *sessions.Session, msg string) components.CodeView {
	v := components.CodeView{Error: msg}
	if secret, _ := sess.Values["enrol"].(string); secret != "" && u.TOTPSecret == "" {
		v.Enrol = enrolView(secret, u.Email)
	}
	return v
}

// Code serves POST /console/sign-in/code.
func (s *Server) Code(w http.ResponseWriter, r *http.Request) error {
	u, sess, err := s.pendingUser(r)
	if err != nil {
		return err
	}
	if !s.limiter.allow(pages.ClientIP(r)) || s.cfg.Now().Before(u.LockedUntil) {
		s.render(w, r, http.StatusTooManyRequests, components.ConsoleCode(s.codeView(u, sess, coft.ErrorMessage(errTooMany))))
		return nil
	}
	secret, enrolling := u.TOTPSecret, false
	if secret == "" {
		secret, _ = sess.Values["enrol"].(string)
		enrolling = true
	}
	step, ok := checkTOTP(secret, r.PostFormValue("code"), s.cfg.Now(), u.TOTPLastStep)
	if !ok {
		if err := s.signInFailed(r, u); err != nil {
			return err
		}
		s.render(w, r, http.StatusUnauthorized, components.ConsoleCode(s.codeView(u, sess, "That code is not right. Type the 6 digits your authenticator shows now.")))
		return nil
	}
	if u, err = s.cfg.Store.UpdateUser(r.Context(), u.ID, func(u *coft.User) error {
		if enrolling {
			u.TOTPSecret = secret
		}
		u.TOTPLastStep = step
		return nil
	}); err != nil {
		return err
	}
	next, _ := sess.Values["next"].(string)
	if err := s.startSession(w, r, u); err != nil {
		return err
	}
	http.Redirect(w, r, landing(u, safeNext(next)), http.StatusSeeOther)
	return nil
}

// SignOut serves POST /console/sign-out: the session ends on the server
// too, so a copied cookie is worth nothing after it.
func (s *Server) SignOut(w http.ResponseWriter, r *http.Request) error {
	sess, _ := s.cfg.Sessions.Get(r, cookieName)
	sid, _ := sess.Values["sid"].(string)
	if sid != "" {
		if subtle.ConstantTimeCompare([]byte(r.PostFormValue("csrf")), []byte(s.formToken(sha256Hex(sid)))) != 1 {
			return coft.Errorf(coft.EFORBIDDEN, "This form has expired. Please reload the page and try again.")
		}
		if err := s.cfg.Store.EndConsoleSession(r.Context(), sha256Hex(sid)); err != nil {
			return err
		}
	}
	sess.Values = map[any]any{}
	if err := s.saveSession(w, r, sess, -1); err != nil {
		return err
	}
	http.Redirect(w, r, "/console/sign-in?notice=signed-out", http.StatusSeeOther)
	return nil
}

// SetupPage serves GET /console/setup?token=…: the one-time link where a
// new user (or one whose password was reset) sets a password.
func (s *Server) SetupPage(w http.ResponseWriter, r *http.Request) error {
	u, err := s.setupUser(r)
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, components.ConsoleSetup(components.SetupView{Token: r.FormValue("token"), Email: u.Email, MinLength: MinPasswordLength}))
	return nil
}

func (s *Server) setupUser(r *http.Request) (*coft.User, error) {
	u, err := s.cfg.Store.FindUserBySetupToken(r.Context(), sha256Hex(r.FormValue("token")))
	if coft.ErrorCode(err) == coft.ENOTFOUND || err == nil && s.cfg.Now().After(u.SetupExpiresAt) {
		return nil, coft.Errorf(coft.ENOTFOUND, "This link is not valid: it was used, or it is more than 24 hours old. Ask an admin for a new one.")
	}
	return u, err
}

// Setup serves POST /console/setup.
func (s *Server) Setup(w http.ResponseWriter, r *http.Request) error {
	u, err := s.setupUser(r)
	if err != nil {
		return err
	}
	password := r.PostFormValue("password")
	msg := ""
	switch {
	case len([]rune(password)) < MinPasswordLength:
		msg = "Choose a password of at least 12 characters."
	case len(password) > 256:
		msg = "Choose a password of at most 256 characters."
	case password != r.PostFormValue("confirm"):
		msg = "The two passwords are not the same."
	case strings.EqualFold(password, u.Email):
		msg = "Choose a password that is not your email."
	}
	if msg != "" {
		s.render(w, r, http.StatusBadRequest, components.ConsoleSetup(components.SetupView{Token: r.FormValue("token"), Email: u.Email, MinLength: MinPasswordLength, Error: msg}))
		return nil
	}
	hash := HashPassword(password)
	if _, err := s.cfg.Store.UpdateUser(r.Context(), u.ID, func(u *coft.User) error {
		u.PasswordHash, u.SetupTokenHash, u.SetupExpiresAt = hash, "", time.Time{}
		u.FailedSignIns, u.LockedUntil = 0, time.Time{}
		return nil
	}); err != nil {
		return err
	}
	if err := s.cfg.Store.EndUserSessions(r.Context(), u.ID); err != nil {
		return err
	}
	http.Redirect(w, r, "/console/sign-in?notice=password-set", http.StatusSeeOther)
	return nil
}

// NewSetupLink gives a user a one-time link, valid for a day, where they
// set a password; it returns the link's token. The admin CLI calls it.
func NewSetupLink(u *coft.User, now time.Time) (token string) {
	token = coft.RandomHex(24)
	u.SetupTokenHash, u.SetupExpiresAt = sha256Hex(token), now.Add(24*time.Hour)
	return token
}

// Index serves GET /console: the user's merchant, the demo's, or sign-in.
func (s *Server) Index(w http.ResponseWriter, r *http.Request) error {
	u, _, err := s.signedIn(r)
	if err != nil {
		return err
	}
	switch {
	case u != nil:
		http.Redirect(w, r, "/console/"+u.MerchantID+"/orders", http.StatusSeeOther)
	default:
		http.Redirect(w, r, "/console/sign-in", http.StatusSeeOther)
	}
	return nil
}
