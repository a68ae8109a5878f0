package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/coftkit/coft"
	"github.com/coftkit/coft/payment"
	"github.com/coftkit/coft/sandbox"
)

// sandboxCmd makes the sandbox network act, as its control API does:
//
//	server sandbox token ACTION -merchant ID REFERENCE
//	server sandbox onboarding onboarded|rejected -merchant ID -flow FLOW [-associate ID] [-network N]
//	server sandbox simulate -merchant ID -checkouts N [-days D] [-seed S]
//
// It works on the database directly, so the service need not be running;
// a running service sees the change at once (tokens) or within five
// seconds (onboarding, which it caches).
func sandboxCmd(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "simulate" {
		return simulateCmd(ctx, args[1:], getenv, stdout, stderr)
	}
	if len(args) < 2 {
		return fmt.Errorf("sandbox: want \"token ACTION\" or \"onboarding onboarded|rejected\"\n%s", usage)
	}
	what, verb, args := args[0], args[1], args[2:]
	fs := flag.NewFlagSet("sandbox "+what, flag.ContinueOnError)
	fs.SetOutput(stderr)
	merchant := fs.String("merchant", "demo", "merchant id")
	associate := fs.String("associate", "", "onboarding: the associateId (default: the merchant itself)")
	flow := fs.String("flow", "", "onboarding: COFT or ALT_ID")
	network := fs.String("network", "", "onboarding: networks to answer for, e.g. VISA,RUPAY (default: every network asked)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg, db, err := openAdmin(ctx, getenv)
	if err != nil {
		return err
	}
	defer db.Close()
	lk, err := openLocker(cfg, getenv)
	if err != nil {
		return err
	}
	net := &sandbox.Network{PAR: lk.PAR}
	payments, err := payment.New(payment.Config{Store: db, Locker: lk, Network: net, Bank: sandbox.Bank{}, Sandbox: net})
	if err != nil {
		return err
	}
	net.Events = payments
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")

	switch what {
	case "token":
		if fs.NArg() != 1 {
			return fmt.Errorf("sandbox token %s: want one card_reference or token reference", verb)
		}
		c, err := payments.SandboxChangeToken(ctx, *merchant, fs.Arg(0), verb)
		if err != nil {
			return describe(err)
		}
		t := c.Token
		return enc.Encode(map[string]string{"card_reference": c.Reference, "token_reference": t.Reference,
			"tokenization_status": t.Status, "last_four_digits": t.Last4, "expiry_month": t.ExpMonth,
			"expiry_year": t.ExpYear, "par": t.PAR})
	case "onboarding":
		if fs.NArg() != 0 {
			return fmt.Errorf("sandbox onboarding: unexpected argument %q", fs.Arg(0))
		}
		o, err := payments.SandboxDecideOnboarding(ctx, *merchant, *associate, strings.ToUpper(*flow), *network, verb)
		if err != nil {
			return describe(err)
		}
		resp := map[string]string{}
		for _, b := range coft.Networks {
			resp[strings.ToLower(b)] = o.NetworkStatus(b)
		}
		return enc.Encode(map[string]any{"associateId": o.AssociateID, "flow": o.Flow, "response": resp})
	}
	return fmt.Errorf("sandbox: unknown %q: want token or onboarding", what)
}

// describe turns a domain error into a message for the command line.
func describe(err error) error {
	if f := coft.ErrorField(err); f != "" && coft.ErrorCode(err) != coft.EINTERNAL {
		return fmt.Errorf("%s: %s", f, coft.ErrorMessage(err))
	}
	if coft.ErrorCode(err) != coft.EINTERNAL {
		return fmt.Errorf("%s", coft.ErrorMessage(err))
	}
	return err
}

// maxSimulated bounds one simulation's checkouts.
const maxSimulated = 10_000_000

// simulateCmd makes up checkouts' consent dialogs for a merchant, for
// product demonstrations of consent insight: a realistic spread over the
// last days (sandbox.SimulateConsents), counted in GET /consents/stats,
// marked simulated, never in the consent ledger. Sandbox only.
func simulateCmd(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("sandbox simulate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	merchant := fs.String("merchant", "demo", "merchant id")
	checkouts := fs.Int("checkouts", 1000, "how many checkouts' consent dialogs to make up")
	days := fs.Int("days", 14, "over how many days before now")
	seed := fs.Uint64("seed", 0, "the same seed makes the same dialogs (default: a new one)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	switch {
	case fs.NArg() != 0:
		return fmt.Errorf("sandbox simulate: unexpected argument %q", fs.Arg(0))
	case *checkouts < 1 || *checkouts > maxSimulated:
		return fmt.Errorf("sandbox simulate: -checkouts must be from 1 to %d", maxSimulated)
	case *days < 1 || *days > coft.MaxStatsDays:
		return fmt.Errorf("sandbox simulate: -days must be from 1 to %d", coft.MaxStatsDays)
	}
	cfg, db, err := openAdmin(ctx, getenv)
	if err != nil {
		return err
	}
	defer db.Close()
	if cfg.production() {
		return fmt.Errorf("sandbox simulate: MODE=production: simulated consents are for the sandbox's demonstrations")
	}
	if _, err := db.FindMerchantByID(ctx, *merchant); err != nil {
		return describe(err)
	}
	if *seed == 0 {
		*seed = uint64(time.Now().UnixNano())
	}
	var total coft.ConsentCounts
	now := time.Now()
	for done := 0; done < *checkouts; {
		n := min(*checkouts-done, 200_000)
		outcomes := sandbox.SimulateConsents(*merchant, n, *days, now, *seed+uint64(done))
		if err := db.RecordSimulatedConsents(ctx, outcomes); err != nil {
			return err
		}
		for i := range outcomes {
			total.Add(&outcomes[i])
		}
		done += n
	}
	median, _ := total.Median()
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(map[string]any{"merchant_id": *merchant, "checkouts": *checkouts, "days": *days, "seed": *seed,
		"simulated": map[string]any{"shown": total.Shown(), "accepted": total.Accepted, "declined": total.Declined,
			"abandoned": total.Abandoned, "acceptance_rate": total.AcceptanceRate(), "median_decide_ms": median.Milliseconds()},
		"note": "marked simulated: counted in GET /consents/stats (total.simulated), never in the consent ledger"})
}
