package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/coftkit/coft"
	"github.com/coftkit/coft/console"
)

// userOutput is what merchants users prints for a user.
type userOutput struct {
	UserID     string `json:"user_id"`
	MerchantID string `json:"merchant_id"`
	Email      string `json:"email"`
	Role       string `json:"role"`
	HasTOTP    bool   `json:"totp"`
	// SetupURL is the one-time link where the user sets a password, valid
	// for 24 hours; printed once.
	SetupURL     string     `json:"setup_url,omitempty"`
	SetupExpires *time.Time `json:"setup_expires_at,omitempty"`
	LastSignIn   *time.Time `json:"last_sign_in_at,omitempty"`
}

// users manages a merchant's console users:
//
//	server merchants users add -id M -email E -role admin|developer|viewer
//	server merchants users reset -email E      a new one-time link; the password and sessions end
//	server merchants users list -id M
func users(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return fmt.Errorf("merchants users: want add, reset or list")
	}
	sub, args := args[0], args[1:]
	fs := flag.NewFlagSet("merchants users "+sub, flag.ContinueOnError)
	fs.SetOutput(stderr)
	id := fs.String("id", "", "merchant id")
	email := fs.String("email", "", "the user's email")
	role := fs.String("role", "", "admin, developer or viewer")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("merchants users %s: unexpected argument %q", sub, fs.Arg(0))
	}
	cfg, db, err := openAdmin(ctx, getenv)
	if err != nil {
		return err
	}
	defer db.Close()
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	link := func(u *coft.User, token string) userOutput {
		out := outputOfUser(u)
		base := cfg.baseURL
		if base == "" {
			base = "http://" + cfg.addr
		}
		out.SetupURL = base + "/console/setup?token=" + token
		exp := u.SetupExpiresAt
		out.SetupExpires = &exp
		return out
	}

	switch sub {
	case "add":
		if *id == "" || *email == "" || *role == "" {
			return fmt.Errorf("merchants users add: -id, -email and -role are required")
		}
		r, err := coft.ParseRole(*role)
		if err != nil {
			return cliError(err)
		}
		if _, err := db.FindMerchantByID(ctx, *id); err != nil {
			return cliError(err)
		}
		u := &coft.User{MerchantID: *id, Email: *email, Role: r}
		token := console.NewSetupLink(u, time.Now())
		if err := db.CreateUser(ctx, u); err != nil {
			return cliError(err)
		}
		return enc.Encode(link(u, token))
	case "reset":
		if *email == "" {
			return fmt.Errorf("merchants users reset: -email is required")
		}
		u, err := db.FindUserByEmail(ctx, *email)
		if err != nil {
			return cliError(err)
		}
		var token string
		if u, err = db.UpdateUser(ctx, u.ID, func(u *coft.User) error {
			token = console.NewSetupLink(u, time.Now())
			u.PasswordHash, u.FailedSignIns, u.LockedUntil = "", 0, time.Time{}
			return nil
		}); err != nil {
			return cliError(err)
		}
		if err := db.EndUserSessions(ctx, u.ID); err != nil {
			return err
		}
		return enc.Encode(link(u, token))
	case "list":
		if *id == "" {
			return fmt.Errorf("merchants users list: -id is required")
		}
		us, err := db.ListUsers(ctx, *id)
		if err != nil {
			return err
		}
		out := make([]userOutput, len(us))
		for i, u := range us {
			out[i] = outputOfUser(u)
		}
		return enc.Encode(out)
	}
	return fmt.Errorf("merchants users: unknown %q (want add, reset or list)", sub)
}

func outputOfUser(u *coft.User) userOutput {
	out := userOutput{UserID: u.ID, MerchantID: u.MerchantID, Email: u.Email, Role: string(u.Role), HasTOTP: u.TOTPSecret != ""}
	if !u.LastSignInAt.IsZero() {
		t := u.LastSignInAt
		out.LastSignIn = &t
	}
	return out
}
