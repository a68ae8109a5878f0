package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/coftkit/coft"
	"github.com/coftkit/coft/payment"
	"github.com/coftkit/coft/sandbox"
)

// sandboxCmd makes the sandbox network act, as its control API does:
//
//	server sandbox token ACTION -merchant ID REFERENCE
//	server sandbox onboarding onboarded|rejected -merchant ID -flow FLOW [-associate ID] [-network N]
//
// It works on the database directly, so the service need not be running;
// a running service sees the change at once (tokens) or within five
// seconds (onboarding, which it caches).
func sandboxCmd(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
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
