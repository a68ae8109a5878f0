package sandbox

import (
	"context"
	"strings"
	"testing"

	"github.com/coftkit/coft"
)

func TestProvision(t *testing.T) {
	n := &Network{PAR: func(pan string) string { return "PAR-" + pan[len(pan)-4:] }}
	pan := "5419190000000003"
	seen := map[string]bool{}
	for range 50 {
		tok, err := n.Provision(context.Background(), coft.ProvisionRequest{PAN: pan, Brand: coft.BrandMastercard})
		if err != nil {
			t.Fatal(err)
		}
		if !coft.LuhnValid(tok.Number) || len(tok.Number) != len(pan) || tok.Number == pan ||
			!strings.HasPrefix(tok.Number, "525876") || tok.Status != coft.TokenActive || tok.PAR != "PAR-0003" {
			t.Fatalf("token %+v", tok)
		}
		seen[tok.Number] = true
	}
	if len(seen) < 45 {
		t.Fatalf("only %d distinct tokens in 50", len(seen))
	}
	if _, err := n.Provision(context.Background(), coft.ProvisionRequest{PAN: CardTokenRefused, Brand: coft.BrandVisa}); coft.ErrorCode(err) != coft.EINVALID {
		t.Fatalf("refused card: %v", err)
	}
	if _, err := n.Provision(context.Background(), coft.ProvisionRequest{PAN: "5018120000000005", Brand: coft.BrandMaestro}); err == nil {
		t.Fatal("Maestro tokenized")
	}
}

func TestBank(t *testing.T) {
	var b Bank
	if !b.VerifyOTP(context.Background(), nil, "123456") || b.VerifyOTP(context.Background(), nil, "123457") {
		t.Fatal("OTP check")
	}
	if ok, _, _ := b.Authorize(context.Background(), &coft.Txn{ISIN: "424242", Last4: "0059"}); ok {
		t.Fatal("declined card approved")
	}
	if ok, code, _ := b.Authorize(context.Background(), &coft.Txn{ISIN: "424242", Last4: "4242"}); !ok || code != "00" {
		t.Fatal("good card refused")
	}
	for _, pan := range []string{CardDeclined, CardTokenRefused} {
		if !coft.LuhnValid(pan) {
			t.Fatalf("%s is not Luhn-valid", pan)
		}
	}
}
