package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/coftkit/coft"
	"github.com/coftkit/coft/jweauth"
)

// jwtKeyOutput is what merchants jwt-keys prints for a key.
type jwtKeyOutput struct {
	KeyID string `json:"key_id"`
	// PrivateKey is the merchant's private key (PKCS #8 PEM), printed once
	// when the service generated it and never stored.
	PrivateKey string `json:"private_key,omitempty"`
	// PublicKey is the service's public key of the key id: the merchant
	// encrypts requests to it and verifies answers with it.
	PublicKey string     `json:"public_key"`
	CreatedAt *time.Time `json:"created_at,omitempty"`
	RevokedAt *time.Time `json:"revoked_at,omitempty"`
}

// jwtKeys manages a merchant's JWE+JWS keys:
//
//	server merchants jwt-keys -id M -generate          a key pair made here
//	server merchants jwt-keys -id M -public-key FILE   the merchant's own public key
//	server merchants jwt-keys -id M -revoke KEY_ID
//	server merchants jwt-keys -id M                    list the key ids
func jwtKeys(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("merchants jwt-keys", flag.ContinueOnError)
	fs.SetOutput(stderr)
	id := fs.String("id", "", "merchant id")
	generate := fs.Bool("generate", false, "make a key pair for the merchant and print its private key (once)")
	pubFile := fs.String("public-key", "", "register the merchant's own RSA public key (PEM file, 2048 bits or more)")
	revoke := fs.String("revoke", "", "end the key with this key id")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("merchants jwt-keys: unexpected argument %q", fs.Arg(0))
	}
	if *id == "" {
		return fmt.Errorf("merchants jwt-keys: -id is required")
	}
	actions := 0
	for _, set := range []bool{*generate, *pubFile != "", *revoke != ""} {
		if set {
			actions++
		}
	}
	if actions > 1 {
		return fmt.Errorf("merchants jwt-keys: give one of -generate, -public-key and -revoke")
	}
	// Read the file before touching the database, so a bad path changes nothing.
	var merchantPEM string
	if *pubFile != "" {
		b, err := os.ReadFile(*pubFile)
		if err != nil {
			return fmt.Errorf("merchants jwt-keys: -public-key: %w", err)
		}
		if merchantPEM = string(b); strings.TrimSpace(merchantPEM) == "" {
			return fmt.Errorf("merchants jwt-keys: -public-key: %s is empty", *pubFile)
		}
	}
	cfg, db, err := openAdmin(ctx, getenv)
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := db.FindMerchantByID(ctx, *id); err != nil {
		return cliError(err)
	}
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")

	switch {
	case *revoke != "":
		if err := db.RevokeJWTKey(ctx, *id, *revoke, time.Now()); err != nil {
			return cliError(err)
		}
		k, err := db.FindJWTKey(ctx, *revoke)
		if err != nil {
			return err
		}
		return enc.Encode(outputOfKey(k))
	case *generate || merchantPEM != "":
		lk, err := openLocker(cfg, getenv)
		if err != nil {
			return err
		}
		k, merchantPriv, err := jweauth.Issue(*id, merchantPEM, lk)
		if coft.ErrorField(err) == "public_key" {
			return fmt.Errorf("merchants jwt-keys: -public-key: %s", coft.ErrorMessage(err))
		} else if err != nil {
			return err
		}
		if err := db.CreateJWTKey(ctx, k); err != nil {
			return cliError(err)
		}
		return enc.Encode(jwtKeyOutput{KeyID: k.ID, PrivateKey: merchantPriv, PublicKey: k.ServicePublicKey})
	}
	ks, err := db.ListJWTKeys(ctx, *id)
	if err != nil {
		return err
	}
	out := make([]jwtKeyOutput, len(ks))
	for i, k := range ks {
		out[i] = outputOfKey(k)
	}
	return enc.Encode(out)
}

func outputOfKey(k *coft.JWTKey) jwtKeyOutput {
	out := jwtKeyOutput{KeyID: k.ID, PublicKey: k.ServicePublicKey, CreatedAt: &k.CreatedAt}
	if k.Revoked() {
		out.RevokedAt = &k.RevokedAt
	}
	return out
}
