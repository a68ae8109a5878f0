// Package sandbox simulates the card networks and issuing banks, so the
// service can be run, tested and demonstrated without real ones. Its
// behaviour is driven by documented test cards and one-time passwords.
package sandbox

import (
	"context"
	"crypto/rand"
	"fmt"
	"math/big"
	"time"

	"github.com/coftkit/coft"
)

// OTP is the one-time password the sandbox bank accepts.
const OTP = "123456"

// Test cards with special behaviour (Sandbox Bank, BIN 424242, tokenizable).
const (
	// CardDeclined is authenticated, then refused by the issuer:
	// AUTHORIZATION_FAILED.
	CardDeclined = "4242420000000059"
	// CardTokenRefused pays, but the network refuses to issue a token.
	CardTokenRefused = "4242420000000109"
)

// Bank is the sandbox issuer.
type Bank struct{}

// VerifyOTP accepts OTP only.
func (Bank) VerifyOTP(_ context.Context, _ *coft.Txn, otp string) bool { return otp == OTP }

// Authorize approves every authenticated payment except CardDeclined's.
func (Bank) Authorize(_ context.Context, t *coft.Txn) (bool, string, string) {
	if t.ISIN == CardDeclined[:6] && t.Last4 == CardDeclined[12:] {
		return false, "05", "Do not honour"
	}
	return true, "00", "Approved"
}

// tokenBINs are the token ranges the simulated networks issue from.
var tokenBINs = map[string]string{
	coft.BrandVisa:       "489537",
	coft.BrandMastercard: "525876",
	coft.BrandRuPay:      "652850",
	coft.BrandAmex:       "377790",
	coft.BrandDiners:     "369990",
}

// Network is the sandbox card network: it issues Luhn-valid tokens from a
// token range of the card's brand, with a PAR that is stable for the card.
type Network struct {
	// PAR returns the card's Payment Account Reference.
	PAR func(pan string) string
	// Now returns the current time; tests replace it.
	Now func() time.Time
}

// Provision issues a token for the card, or refuses CardTokenRefused and
// brands without a token service.
func (n *Network) Provision(_ context.Context, req coft.ProvisionRequest) (*coft.ProvisionedToken, error) {
	bin, ok := tokenBINs[req.Brand]
	if !ok {
		return nil, coft.Errorf(coft.EINVALID, "%s does not issue tokens.", req.Brand)
	}
	if req.PAN == CardTokenRefused {
		return nil, coft.Errorf(coft.EINVALID, "The network declined to tokenize this card.")
	}
	number := tokenNumber(bin, len(req.PAN))
	for number == req.PAN {
		number = tokenNumber(bin, len(req.PAN))
	}
	now := time.Now
	if n.Now != nil {
		now = n.Now
	}
	exp := now().AddDate(3, 0, 0)
	return &coft.ProvisionedToken{Number: number, ExpMonth: fmt.Sprintf("%02d", int(exp.Month())),
		ExpYear: fmt.Sprint(exp.Year()), PAR: n.PAR(req.PAN), Status: coft.TokenActive}, nil
}

// tokenNumber returns a random Luhn-valid number of length n starting with bin.
func tokenNumber(bin string, n int) string {
	b := []byte(bin)
	for len(b) < n-1 {
		d, _ := rand.Int(rand.Reader, big.NewInt(10))
		b = append(b, byte('0'+d.Int64()))
	}
	for c := byte('0'); c <= '9'; c++ {
		if coft.LuhnValid(string(append(b, c))) {
			return string(append(b, c))
		}
	}
	panic("unreachable")
}
