package sqlstore

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"github.com/coftkit/coft"
)

const userColumns = `id, merchant_id, email, role, password_hash, totp_secret, totp_last_step, setup_token_hash,
	setup_expires_at, failed_sign_ins, locked_until, last_sign_in_at, created_at, updated_at`

// CreateUser stores a new console user. Returns ECONFLICT (field email) if
// the email is taken.
func (db *DB) CreateUser(ctx context.Context, u *coft.User) (err error) {
	defer failed(&err, "CreateUser", u.MerchantID)
	u.Email = strings.ToLower(strings.TrimSpace(u.Email))
	if err := u.Validate(); err != nil {
		return err
	}
	u.ID = coft.NewID("usr_")
	u.CreatedAt = db.now()
	u.UpdatedAt = u.CreatedAt
	secret, err := db.sealSecret(u.TOTPSecret, u.ID, "totp_secret")
	if err != nil {
		return err
	}
	_, err = db.exec(ctx, `INSERT INTO users (`+userColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		u.ID, u.MerchantID, u.Email, string(u.Role), u.PasswordHash, secret, u.TOTPLastStep, u.SetupTokenHash,
		nullTime(u.SetupExpiresAt), u.FailedSignIns, nullTime(u.LockedUntil), nullTime(u.LastSignInAt), u.CreatedAt, u.UpdatedAt)
	return mapError(err, "", "email")
}

// FindUserByID returns ENOTFOUND if there is no such user.
func (db *DB) FindUserByID(ctx context.Context, id string) (_ *coft.User, err error) {
	defer failed(&err, "FindUserByID", id)
	return db.scanUser(db.queryRow(ctx, `SELECT `+userColumns+` FROM users WHERE id = ?`, id))
}

// FindUserByEmail returns ENOTFOUND if there is no such user.
func (db *DB) FindUserByEmail(ctx context.Context, email string) (_ *coft.User, err error) {
	defer failed(&err, "FindUserByEmail")
	return db.scanUser(db.queryRow(ctx, `SELECT `+userColumns+` FROM users WHERE email = ?`, strings.ToLower(strings.TrimSpace(email))))
}

// FindUserBySetupToken returns ENOTFOUND if no user has the token hash.
func (db *DB) FindUserBySetupToken(ctx context.Context, tokenHash string) (_ *coft.User, err error) {
	defer failed(&err, "FindUserBySetupToken")
	if tokenHash == "" {
		return nil, coft.Errorf(coft.ENOTFOUND, "User not found.")
	}
	return db.scanUser(db.queryRow(ctx, `SELECT `+userColumns+` FROM users WHERE setup_token_hash = ?`, tokenHash))
}

// UpdateUser reads the user, applies fn and writes it back in one
// transaction. Returns ENOTFOUND.
func (db *DB) UpdateUser(ctx context.Context, id string, fn func(*coft.User) error) (_ *coft.User, err error) {
	defer failed(&err, "UpdateUser", id)
	var u *coft.User
	err = db.inTx(ctx, func(tx *dbTx) error {
		var err error
		row := tx.QueryRowContext(ctx, db.rebind(`SELECT `+userColumns+` FROM users WHERE id = ?`+db.forUpdate()), id)
		if u, err = db.scanUser(row); err != nil {
			return err
		}
		if err := fn(u); err != nil {
			return err
		}
		u.Email = strings.ToLower(strings.TrimSpace(u.Email))
		if err := u.Validate(); err != nil {
			return err
		}
		u.UpdatedAt = db.now()
		secret, err := db.sealSecret(u.TOTPSecret, u.ID, "totp_secret")
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, db.rebind(`UPDATE users SET email = ?, role = ?, password_hash = ?, totp_secret = ?,
			totp_last_step = ?, setup_token_hash = ?, setup_expires_at = ?, failed_sign_ins = ?, locked_until = ?,
			last_sign_in_at = ?, updated_at = ? WHERE id = ?`),
			u.Email, string(u.Role), u.PasswordHash, secret, u.TOTPLastStep, u.SetupTokenHash, nullTime(u.SetupExpiresAt),
			u.FailedSignIns, nullTime(u.LockedUntil), nullTime(u.LastSignInAt), u.UpdatedAt, u.ID)
		return mapError(err, "", "email")
	})
	if err != nil {
		return nil, err
	}
	return u, nil
}

// ListUsers returns a merchant's users, by email.
func (db *DB) ListUsers(ctx context.Context, merchantID string) (_ []*coft.User, err error) {
	defer failed(&err, "ListUsers", merchantID)
	rows, err := db.r.QueryContext(ctx, db.rebind(`SELECT `+userColumns+` FROM users WHERE merchant_id = ? ORDER BY email`), merchantID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var us []*coft.User
	for rows.Next() {
		u, err := db.scanUser(rows)
		if err != nil {
			return nil, err
		}
		us = append(us, u)
	}
	return us, rows.Err()
}

func (db *DB) scanUser(s scanner) (*coft.User, error) {
	var u coft.User
	var role string
	var setup, locked, last sql.NullTime
	err := s.Scan(&u.ID, &u.MerchantID, &u.Email, &role, &u.PasswordHash, &u.TOTPSecret, &u.TOTPLastStep,
		&u.SetupTokenHash, &setup, &u.FailedSignIns, &locked, &last, &u.CreatedAt, &u.UpdatedAt)
	if err != nil {
		return nil, mapError(err, "User not found.", "")
	}
	u.Role = coft.Role(role)
	u.SetupExpiresAt, u.LockedUntil, u.LastSignInAt = setup.Time, locked.Time, last.Time
	if u.TOTPSecret, err = db.openSecret(u.TOTPSecret, u.ID, "totp_secret"); err != nil {
		return nil, err
	}
	return &u, nil
}

// CreateConsoleSession stores a signed-in session.
func (db *DB) CreateConsoleSession(ctx context.Context, s *coft.ConsoleSession) (err error) {
	defer failed(&err, "CreateConsoleSession", s.UserID)
	_, err = db.exec(ctx, `INSERT INTO console_sessions (id_hash, user_id, merchant_id, created_at, last_seen_at)
		VALUES (?, ?, ?, ?, ?)`, s.IDHash, s.UserID, s.MerchantID, s.CreatedAt.UTC(), s.LastSeenAt.UTC())
	return mapError(err, "", "session")
}

// FindConsoleSession returns ENOTFOUND if there is no such session.
func (db *DB) FindConsoleSession(ctx context.Context, idHash string) (_ *coft.ConsoleSession, err error) {
	defer failed(&err, "FindConsoleSession")
	var s coft.ConsoleSession
	err = db.queryRow(ctx, `SELECT id_hash, user_id, merchant_id, created_at, last_seen_at FROM console_sessions
		WHERE id_hash = ?`, idHash).Scan(&s.IDHash, &s.UserID, &s.MerchantID, &s.CreatedAt, &s.LastSeenAt)
	if err != nil {
		return nil, mapError(err, "Session not found.", "")
	}
	return &s, nil
}

// TouchConsoleSession records the session's latest use.
func (db *DB) TouchConsoleSession(ctx context.Context, idHash string, at time.Time) (err error) {
	defer failed(&err, "TouchConsoleSession")
	_, err = db.exec(ctx, `UPDATE console_sessions SET last_seen_at = ? WHERE id_hash = ?`, at.UTC(), idHash)
	return err
}

// EndConsoleSession deletes a session.
func (db *DB) EndConsoleSession(ctx context.Context, idHash string) (err error) {
	defer failed(&err, "EndConsoleSession")
	_, err = db.exec(ctx, `DELETE FROM console_sessions WHERE id_hash = ?`, idHash)
	return err
}

// EndUserSessions deletes every session of a user.
func (db *DB) EndUserSessions(ctx context.Context, userID string) (err error) {
	defer failed(&err, "EndUserSessions", userID)
	_, err = db.exec(ctx, `DELETE FROM console_sessions WHERE user_id = ?`, userID)
	return err
}

// nullTime stores the zero time as NULL.
func nullTime(t time.Time) sql.NullTime {
	if t.IsZero() {
		return sql.NullTime{}
	}
	return sql.NullTime{Time: t.UTC(), Valid: true}
}

var _ coft.UserStore = (*DB)(nil)
