package coft

import (
	"context"
	"strings"
	"time"
)

// Role is what a merchant's console user may do.
type Role string

// The console's roles, from least to most trusted.
const (
	RoleViewer    Role = "viewer"    // reads everything, changes nothing
	RoleDeveloper Role = "developer" // also webhooks, origins, API and JWT keys
	RoleAdmin     Role = "admin"     // also refunds, de-registration, brand, consent, onboarding, sign-in security
)

// Permission is one kind of change made in the console.
type Permission string

// The console's permissions. Reading needs none beyond a role.
const (
	PermRefund       Permission = "refund"        // refund a payment
	PermDeregister   Permission = "deregister"    // remove a customer's card and its token
	PermWebhooks     Permission = "webhooks"      // webhook URL, credentials, test events, redelivery
	PermOrigins      Permission = "origins"       // return and frame origins
	PermKeys         Permission = "keys"          // API key rotation, JWT keys
	PermBrand        Permission = "brand"         // brand colour and logo
	PermConsent      Permission = "consent"       // hosted consent on or off
	PermOnboarding   Permission = "onboarding"    // network onboarding of sub-merchants
	PermExportLedger Permission = "export_ledger" // download the consent ledger
	PermSecurity     Permission = "security"      // require an authenticator of every user
)

var rolePerms = map[Role][]Permission{
	RoleViewer:    nil,
	RoleDeveloper: {PermWebhooks, PermOrigins, PermKeys, PermExportLedger},
	RoleAdmin: {PermRefund, PermDeregister, PermWebhooks, PermOrigins, PermKeys, PermBrand, PermConsent,
		PermOnboarding, PermExportLedger, PermSecurity},
}

// ParseRole returns the role a name gives, or EINVALID (field role).
func ParseRole(s string) (Role, error) {
	r := Role(strings.ToLower(strings.TrimSpace(s)))
	if _, ok := rolePerms[r]; !ok {
		return "", Invalid("role", "role must be admin, developer or viewer.")
	}
	return r, nil
}

// Can reports whether the role has the permission.
func (r Role) Can(p Permission) bool {
	for _, q := range rolePerms[r] {
		if q == p {
			return true
		}
	}
	return false
}

// User is a person who signs in to a merchant's console.
type User struct {
	ID         string // usr_…
	MerchantID string
	Email      string // lower case; unique across the service
	Role       Role
	// PasswordHash is the password's argon2id hash in PHC form
	// ($argon2id$v=19$m=…,t=…,p=…$salt$hash); empty until the user sets one.
	PasswordHash string
	// TOTPSecret is the base32 secret of the user's authenticator (RFC
	// 6238); empty when the user has none. The store seals it at rest.
	TOTPSecret string
	// SetupTokenHash is the SHA-256 (hex) of the one-time link's token
	// with which the user sets a password; empty once it is used.
	SetupTokenHash string
	SetupExpiresAt time.Time
	// FailedSignIns counts sign-ins refused since the last one that
	// succeeded; LockedUntil, when in the future, refuses every sign-in.
	FailedSignIns int
	LockedUntil   time.Time
	// TOTPLastStep is the last time step whose code was accepted: a code
	// is good once (RFC 6238 section 5.2).
	TOTPLastStep int64
	LastSignInAt time.Time
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// Validate checks the user's fields.
func (u *User) Validate() error {
	if u.MerchantID == "" {
		return Missing("merchant_id")
	}
	if u.Email == "" {
		return Missing("email")
	}
	if err := ValidateEmail("email", u.Email); err != nil {
		return err
	}
	if _, err := ParseRole(string(u.Role)); err != nil {
		return err
	}
	return nil
}

// UserStore keeps console users and their sessions.
type UserStore interface {
	// CreateUser stores a new user. Returns ECONFLICT (field email) if the
	// email is taken.
	CreateUser(ctx context.Context, u *User) error
	// FindUserByID returns ENOTFOUND if there is no such user.
	FindUserByID(ctx context.Context, id string) (*User, error)
	// FindUserByEmail returns ENOTFOUND if there is no such user.
	FindUserByEmail(ctx context.Context, email string) (*User, error)
	// FindUserBySetupToken finds the user a one-time link's token (its
	// SHA-256, hex) belongs to. Returns ENOTFOUND if there is none.
	FindUserBySetupToken(ctx context.Context, tokenHash string) (*User, error)
	// UpdateUser reads the user, applies fn and writes it back in one
	// transaction; fn's error aborts it. Returns ENOTFOUND.
	UpdateUser(ctx context.Context, id string, fn func(*User) error) (*User, error)
	// ListUsers returns a merchant's users, by email.
	ListUsers(ctx context.Context, merchantID string) ([]*User, error)

	// CreateConsoleSession stores a signed-in session.
	CreateConsoleSession(ctx context.Context, s *ConsoleSession) error
	// FindConsoleSession returns the session of an id hash, ENOTFOUND if
	// there is none or it has ended.
	FindConsoleSession(ctx context.Context, idHash string) (*ConsoleSession, error)
	// TouchConsoleSession records the session's latest use.
	TouchConsoleSession(ctx context.Context, idHash string, at time.Time) error
	// EndConsoleSession deletes a session; ending an ended one is no error.
	EndConsoleSession(ctx context.Context, idHash string) error
	// EndUserSessions deletes every session of a user (after a password
	// change).
	EndUserSessions(ctx context.Context, userID string) error
}

// ConsoleSession is a user signed in to the console. The browser holds the
// session's id in a cookie; the store keeps only its SHA-256.
type ConsoleSession struct {
	IDHash     string
	UserID     string
	MerchantID string
	CreatedAt  time.Time
	LastSeenAt time.Time
}

// AuditEntry records one change of a merchant's settings made in the
// console: who, when, which setting, the old and new values (secrets
// redacted).
type AuditEntry struct {
	ID         string // aud_…
	MerchantID string
	Actor      string // the user's email, or "demo visitor" in the sandbox
	Setting    string // e.g. "webhook_url", "api_key"
	Old, New   string
	At         time.Time
}

// Redacted is what the audit log shows for a secret's value.
const Redacted = "(redacted)"

// AuditStore keeps the settings' audit log.
type AuditStore interface {
	// UpdateMerchantAudited applies fn to the merchant and writes it with
	// the audit entries fn returns, in one transaction. fn's error aborts
	// it; no entries (nothing changed) writes nothing.
	UpdateMerchantAudited(ctx context.Context, merchantID string, fn func(*Merchant) ([]*AuditEntry, error)) (*Merchant, error)
	// RecordAudit stores entries of a change kept elsewhere (JWT keys).
	RecordAudit(ctx context.Context, entries ...*AuditEntry) error
	// ListAudit returns a merchant's audit entries, newest first, at most
	// limit.
	ListAudit(ctx context.Context, merchantID string, limit int) ([]*AuditEntry, error)
}
