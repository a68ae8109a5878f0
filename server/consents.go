package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/coftkit/coft"
	"github.com/coftkit/coft/evidence"
)

// consentsCmd exports a merchant's consent ledger, verifies an export and
// corrects an entry:
//
//	server consents export -merchant ID [-customer ID] [-from RFC3339] [-to RFC3339]
//	server consents verify FILE
//	server consents correct -merchant ID -seq N -reason TEXT
//
// export writes JSON Lines to stdout (see docs/EVIDENCE.md), the whole
// chain's or, with -customer (an id or object_reference_id), one
// customer's entries with their inclusion proofs; without -to it first
// signs the chain's head, so that the file is covered to its end.
// verify needs no database: it reads the file (- for stdin) and fails,
// naming the first altered, missing or misplaced entry, unless the file
// holds. correct appends a correction entry that refers to entry N (the
// entry itself never changes) and prints it.
func consentsCmd(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return fmt.Errorf("consents: want export, verify or correct\n%s", usage)
	}
	sub, args := args[0], args[1:]
	fs := flag.NewFlagSet("consents "+sub, flag.ContinueOnError)
	fs.SetOutput(stderr)
	switch sub {
	case "export":
		merchant := fs.String("merchant", "", "merchant id")
		customerRef := fs.String("customer", "", "only this customer's entries (id or object_reference_id), with their inclusion proofs")
		fromS := fs.String("from", "", "only entries appended at or after this time (RFC 3339)")
		toS := fs.String("to", "", "only entries appended before this time (RFC 3339)")
		if err := fs.Parse(args); err != nil {
			return err
		}
		if *merchant == "" {
			return fmt.Errorf("consents export: -merchant is required")
		}
		from, err := parseTime("-from", *fromS)
		if err != nil {
			return err
		}
		to, err := parseTime("-to", *toS)
		if err != nil {
			return err
		}
		_, db, err := openAdmin(ctx, getenv)
		if err != nil {
			return err
		}
		defer db.Close()
		if _, err := db.FindMerchantByID(ctx, *merchant); err != nil {
			return describe(err)
		}
		if to.IsZero() {
			if _, err := db.CheckpointLedgers(ctx, *merchant); err != nil {
				return err
			}
		}
		var x *coft.LedgerExport
		if *customerRef != "" {
			c, err := db.FindCustomer(ctx, *merchant, *customerRef)
			if err != nil {
				return fmt.Errorf("consents export: -customer: %w", describe(err))
			}
			x, err = db.ExportCustomerLedger(ctx, *merchant, c.ID, from, to)
			if err != nil {
				return err
			}
		} else if x, err = db.ExportLedger(ctx, *merchant, from, to); err != nil {
			return err
		}
		return evidence.Write(stdout, x)
	case "verify":
		if err := fs.Parse(args); err != nil {
			return err
		}
		if fs.NArg() != 1 {
			return fmt.Errorf("consents verify: want one file (- for stdin)")
		}
		var in io.Reader = os.Stdin
		if name := fs.Arg(0); name != "-" {
			f, err := os.Open(name)
			if err != nil {
				return err
			}
			defer f.Close()
			in = f
		}
		rep, err := evidence.Verify(in)
		if err != nil {
			return fmt.Errorf("consents verify: NOT VERIFIED: %w", err)
		}
		if rep.CustomerID != "" {
			fmt.Fprintf(stdout, "verified: merchant %s, customer %s, %d entries (%d to %d), %d checkpoints, keys %v\n",
				rep.MerchantID, rep.CustomerID, rep.Entries, rep.FirstSeq, rep.LastSeq, rep.Checkpoints, rep.KeyIDs)
			fmt.Fprintf(stdout, "each entry proved: its record hashes to its hash, and its inclusion proof leads to the Merkle root a checkpoint signed\n")
		} else {
			fmt.Fprintf(stdout, "verified: merchant %s, %d entries (%d to %d), %d checkpoints, keys %v\n",
				rep.MerchantID, rep.Entries, rep.FirstSeq, rep.LastSeq, rep.Checkpoints, rep.KeyIDs)
		}
		for _, c := range rep.Corrections {
			where := ""
			if !c.InFile {
				where = " (before this file)"
			}
			fmt.Fprintf(stdout, "correction: entry %d corrects entry %d%s: %s\n", c.Seq, c.Corrects, where, c.Reason)
		}
		if len(rep.Unproven) > 0 {
			fmt.Fprintf(stdout, "warning: no checkpoint in the file covers entries %v yet: their records hash, but nothing signed holds them\n", rep.Unproven)
		}
		switch {
		case rep.CustomerID != "" || rep.Entries == 0:
		case rep.LastCheckpoint == 0:
			fmt.Fprintf(stdout, "warning: no checkpoint signs these entries: the chain links them, but a rewritten chain would link too\n")
		case rep.LastCheckpoint < rep.LastSeq:
			fmt.Fprintf(stdout, "warning: entries %d to %d come after the last checkpoint (%d)\n", rep.LastCheckpoint+1, rep.LastSeq, rep.LastCheckpoint)
		}
		return nil
	case "correct":
		merchant := fs.String("merchant", "", "merchant id")
		seq := fs.Int64("seq", 0, "the number of the entry to correct")
		reason := fs.String("reason", "", "why: what was wrong in the entry, and what is right")
		if err := fs.Parse(args); err != nil {
			return err
		}
		if *merchant == "" || *seq < 1 {
			return fmt.Errorf("consents correct: -merchant and -seq are required")
		}
		_, db, err := openAdmin(ctx, getenv)
		if err != nil {
			return err
		}
		defer db.Close()
		if _, err := db.FindMerchantByID(ctx, *merchant); err != nil {
			return describe(err)
		}
		e, err := db.CorrectLedgerEntry(ctx, *merchant, *seq, *reason)
		if err != nil {
			return fmt.Errorf("consents correct: %w", describe(err))
		}
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(struct {
			Seq      int64           `json:"seq"`
			PrevHash string          `json:"prev_hash"`
			Hash     string          `json:"hash"`
			Record   json.RawMessage `json:"record"`
		}{e.Seq, e.PrevHash, e.Hash, json.RawMessage(e.Record)})
	}
	return fmt.Errorf("consents: unknown %q: want export, verify or correct", sub)
}

func parseTime(flag, s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%s: want RFC 3339, e.g. 2026-01-31T00:00:00Z", flag)
	}
	return t, nil
}
