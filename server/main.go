// Command server runs the card-on-file tokenization consent service and
// administers it.
//
//	server                      run the service (same as "server serve")
//	server merchants create …   onboard a merchant, print its credentials
//	server merchants update …   change a merchant's settings or rotate keys
//	server merchants list       list merchants
//	server sandbox …            make the sandbox network act (tokens, onboarding), simulate consent dialogs
//	server webhooks …           list webhook events, show one, redeliver it
//	server consents export|verify|correct  export a merchant's consent ledger, verify an export offline, correct an entry
//	server backup -to FILE      snapshot the SQLite database while serving
//
// Configuration comes from the environment: ADDR, DATABASE_URL, DATA_DIR,
// WEB_DIR, BASE_URL, LOG_LEVEL, LOCKER_KEY, FINGERPRINT_KEY, SIGNING_KEY,
// CARD_JWE_KEY (each also from a file named by NAME_FILE), MODE,
// PROVIDERS, SANDBOX_ONBOARDING_DELAY, WEBHOOK_RETENTION and the others of
// the usage text.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "server:", err)
		os.Exit(1)
	}
}

// run is the whole program, with its inputs and outputs passed in so that
// tests can call it.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	getenv = withSecretFiles(getenv)
	cmd := "serve"
	if len(args) > 0 {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "serve":
		return serve(ctx, args, getenv, stdout, stderr)
	case "merchants":
		return merchants(ctx, args, getenv, stdout, stderr)
	case "webhooks":
		return webhooksCmd(ctx, args, getenv, stdout, stderr)
	case "sandbox":
		return sandboxCmd(ctx, args, getenv, stdout, stderr)
	case "consents":
		return consentsCmd(ctx, args, getenv, stdout, stderr)
	case "backup":
		return backupCmd(ctx, args, getenv, stdout, stderr)
	case "bare":
		return bare(ctx, args, getenv, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	return fmt.Errorf("unknown command %q\n%s", cmd, usage)
}

const usage = `usage:
  server [serve]                       run the service
  server serve -routes                 print the routes this configuration serves, then exit
  server merchants create -id ID [settings]
  server merchants update -id ID [settings] [-rotate-api-key] [-rotate-response-key]
  server merchants list
  server merchants jwt-keys -id ID [-generate | -public-key FILE | -revoke KEY_ID]
  server merchants users add -id ID -email EMAIL -role admin|developer|viewer
  server merchants users reset -email EMAIL
  server merchants users list -id ID
                                       JWE+JWS keys: make one, register the merchant's own, end one, or list
  server sandbox token suspend|resume|deactivate|replace [-merchant ID] REFERENCE
  server sandbox onboarding onboarded|rejected [-merchant ID] -flow COFT|ALT_ID [-associate ID] [-network VISA,…]
  server sandbox simulate [-merchant ID] -checkouts N [-days D] [-seed S]
                                       make up N checkouts' consent dialogs over the last D days (14) for
                                       consent insight demos: marked simulated, never in the consent ledger
  server webhooks list [-merchant ID] [-order ORDER_ID] [-limit N]
  server webhooks show|redeliver [-merchant ID] EVENT_ID
  server consents export -merchant ID [-customer ID] [-from RFC3339] [-to RFC3339]
                                       a merchant's consent ledger as JSON Lines (docs/EVIDENCE.md);
                                       -customer: one customer's entries, each with its inclusion proof
  server consents verify FILE          check an export offline: names the first altered, missing or moved entry
  server consents correct -merchant ID -seq N -reason TEXT
                                       append a correction of entry N (entries are never changed)
  server backup -to FILE               a consistent snapshot of the SQLite database, taken while serving
  server bare                          serve a bare handler (the load run's baseline)

settings: -name NAME -hosted-consent=true|false -tokenization=true|false
          -return-url URL -return-origins ORIGIN,… -webhook-url URL -webhook-username U -webhook-password P

environment:
  ADDR             listen address (default 127.0.0.1:8080)
  DATABASE_URL     postgres://… for PostgreSQL; else a SQLite path (default DATA_DIR/coft.db)
  DATA_DIR         sandbox data directory (default ./data)
  WEB_DIR          the built frontend, from make wasm (default ./web)
  BASE_URL         public URL of the service (default http://ADDR)
  LOG_LEVEL        debug, info, warn or error (default info)
  SANDBOX_ONBOARDING_DELAY  how long sandbox networks take to answer an onboarding outside testMode (default 3s)
  SANDBOX_CVV_LESS_NETWORKS networks whose ACTIVE tokens pay without a CVV, e.g. VISA,MASTERCARD (the default), or none
  MODE             sandbox (default) or production: production needs every key below from the operator
                   (it generates none), an https BASE_URL and PROVIDERS; it has no demo, no /sandbox
                   routes, no testMode onboarding, and sends webhooks only to public (global unicast) addresses
  PROVIDERS        the card network and bank: sandbox (the only ones built in; in production, for
                   staging only, with a warning at start-up and in /readyz)
  WEBHOOK_RETRY_FIRST, WEBHOOK_RETRY_MAX, WEBHOOK_RETRY_FOR
                   webhook retries: first after 5s, doubling up to 1h apart, for 24h
  WEBHOOK_TIMEOUT  bound on one webhook attempt (default 10s)
  WEBHOOK_RETENTION how long delivered, failed and URL-less webhook events are kept, with their attempts (default 720h)
  RECONCILE_AFTER  how long a payment is left to finish on its own before the reconciler takes over (default 1m)
  CARD_JWE_KEY     PEM RSA private key that opens JWE card data (default: generated into DATA_DIR/card-jwe-key.pem)
  DEBUG_ADDR       serve net/http/pprof on this separate address (off by default)
  METRICS_ADDR     serve GET /metrics (Prometheus) on this separate address, without credentials
  METRICS_TOKEN    serve GET /metrics on ADDR to callers sending Authorization: Bearer METRICS_TOKEN
                   (16+ characters); with neither set, /metrics is served nowhere (404)
  LOCKER_KEY       id:base64key[,id:base64key…] card encryption keys, first active
  FINGERPRINT_KEY  base64 key of card fingerprints (never rotated)
  SIGNING_KEY      base64 key of client auth and card tokens
  (each key may instead come from a file: LOCKER_KEY_FILE, FINGERPRINT_KEY_FILE, SIGNING_KEY_FILE,
  CARD_JWE_KEY_FILE; keys not set are generated into DATA_DIR for the sandbox, never in production)
`
