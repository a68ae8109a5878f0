package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/coftkit/coft"
)

// webhooksCmd lists webhook events and redelivers them:
//
//	server webhooks list -merchant ID [-order ORDER_ID] [-limit N]
//	server webhooks show -merchant ID EVENT_ID
//	server webhooks redeliver -merchant ID EVENT_ID
//
// A running service sends a redelivered event within a second.
func webhooksCmd(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return fmt.Errorf("webhooks: want list, show or redeliver\n%s", usage)
	}
	sub, args := args[0], args[1:]
	fs := flag.NewFlagSet("webhooks "+sub, flag.ContinueOnError)
	fs.SetOutput(stderr)
	merchant := fs.String("merchant", "demo", "merchant id")
	order := fs.String("order", "", "list: only this order's events")
	limit := fs.Int("limit", 50, "list: at most this many, newest first")
	if err := fs.Parse(args); err != nil {
		return err
	}
	_, db, err := openAdmin(ctx, getenv)
	if err != nil {
		return err
	}
	defer db.Close()
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	switch sub {
	case "list":
		if *limit < 1 || *limit > 1000 {
			return fmt.Errorf("webhooks list: -limit must be 1 to 1000")
		}
		events, err := db.ListEvents(ctx, *merchant, *order, *limit)
		if err != nil {
			return err
		}
		out := make([]map[string]any, len(events))
		for i, e := range events {
			out[i] = eventSummary(e)
		}
		return enc.Encode(out)
	case "show", "redeliver":
		if fs.NArg() != 1 {
			return fmt.Errorf("webhooks %s: want one event id", sub)
		}
		id := fs.Arg(0)
		if sub == "redeliver" {
			if err := db.RedeliverEvent(ctx, *merchant, id, time.Now()); err != nil {
				return describe(err)
			}
		}
		e, attempts, err := db.FindEvent(ctx, *merchant, id)
		if err != nil {
			return describe(err)
		}
		out := eventSummary(e)
		out["delivery_attempts"] = attempts
		if len(e.Body) > 0 {
			out["body"] = json.RawMessage(e.Body)
		}
		return enc.Encode(out)
	}
	return fmt.Errorf("webhooks: unknown %q: want list, show or redeliver", sub)
}

func eventSummary(e *coft.Event) map[string]any {
	m := map[string]any{"id": e.ID, "event_name": e.Name, "delivery_status": e.Status, "attempts": e.Attempts,
		"date_created": e.CreatedAt.UTC().Format(time.RFC3339)}
	if e.OrderID != "" {
		m["order_id"] = e.OrderID
	}
	if e.CardRef != "" {
		m["card_reference"] = e.CardRef
	}
	if e.LastError != "" {
		m["last_error"] = e.LastError
	}
	if e.Status == coft.DeliveryPending {
		m["next_attempt_at"] = e.NextAttemptAt.UTC().Format(time.RFC3339)
	}
	return m
}
