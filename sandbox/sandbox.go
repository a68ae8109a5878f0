// Package sandbox simulates the card networks and issuing banks, so the
// service can be run, tested and demonstrated without real ones. Its
// behaviour is driven by documented test cards and one-time passwords.
package sandbox

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"log/slog"
	"math/big"
	"slices"
	"strings"
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

// Gateway is Juspay's simulated gateway, as Juspay's sandbox reports it:
// DUMMY, gateway_id 100 (Juspay's list of gateway ids has (100,DUMMY)).
func (Bank) Gateway() coft.Gateway { return coft.Gateway{Name: "DUMMY", ID: 100} }

// GatewayResponse is the sandbox gateway's answer to an authorization in
// the keys Juspay's DUMMY gateway uses: resCode and resMessage are the
// issuer's; the sandbox issues no authorization code and no mandates, so
// authCode and mandateToken are "".
func (Bank) GatewayResponse(t *coft.Txn) map[string]string {
	if t.RespCode == "" {
		return nil
	}
	return map[string]string{"resCode": t.RespCode, "resMessage": t.RespMessage, "authCode": "", "mandateToken": ""}
}

// VerifyOTP accepts OTP only.
func (Bank) VerifyOTP(_ context.Context, _ *coft.Txn, otp string) bool { return otp == OTP }

// Authorize approves every authenticated payment except CardDeclined's.
func (Bank) Authorize(_ context.Context, t *coft.Txn) (bool, string, string) {
	if t.ISIN == CardDeclined[:6] && t.Last4 == CardDeclined[12:] {
		return false, "05", "Do not honour"
	}
	return true, "00", "Approved"
}

// CardRefundRefused pays, but the issuer refuses refunds of its payments.
const CardRefundRefused = "4242420000000158"

// Refund refunds every payment except CardRefundRefused's. An approved
// refund gets the gateway's id: 12 random digits.
func (Bank) Refund(_ context.Context, t *coft.Txn, amount coft.Amount) (coft.RefundAnswer, error) {
	if t.ISIN == CardRefundRefused[:6] && t.Last4 == CardRefundRefused[12:] {
		return coft.RefundAnswer{Code: "57", Message: "The issuer refused the refund."}, nil
	}
	if amount <= 0 || amount > t.Amount {
		return coft.RefundAnswer{Code: "13", Message: "The refund amount is not within the payment's."}, nil
	}
	n, err := rand.Int(rand.Reader, big.NewInt(1e12))
	if err != nil {
		return coft.RefundAnswer{}, err
	}
	return coft.RefundAnswer{Approved: true, Code: "00", Message: "Refund Success", Reference: fmt.Sprintf("%012d", n)}, nil
}

// Deregister forgets a token. The sandbox keeps no tokens, so there is
// nothing to forget; it checks the brand issues tokens at all.
func (n *Network) Deregister(_ context.Context, brand, tokenNumber string) error {
	if _, ok := tokenBINs[brand]; !ok || tokenNumber == "" {
		return coft.Errorf(coft.EINVALID, "%s has no such token.", brand)
	}
	return nil
}

// tokenBINs are the token ranges the simulated networks issue from.
var tokenBINs = map[string]string{
	coft.BrandVisa:       "489537",
	coft.BrandMastercard: "525876",
	coft.BrandRuPay:      "652850",
	coft.BrandAmex:       "377790",
	coft.BrandDiners:     "369990",
}

// altIDBINs are the ranges Alt IDs are issued from.
var altIDBINs = map[string]string{
	coft.BrandVisa:       "489538",
	coft.BrandMastercard: "525877",
	coft.BrandRuPay:      "652851",
	coft.BrandAmex:       "377791",
	coft.BrandDiners:     "369991",
}

// Associate id prefixes that steer the sandbox's answer to an onboarding
// outside test mode.
const (
	// RejectPrefix: every network rejects the onboarding (e.g. "reject_air").
	RejectPrefix = "reject_"
	// HoldPrefix: the networks never answer on their own; decide with the
	// sandbox control API or CLI (e.g. "hold_air").
	HoldPrefix = "hold_"
)

// DefaultOnboardingDelay is how long the sandbox networks take to answer an
// onboarding outside test mode.
const DefaultOnboardingDelay = 3 * time.Second

// Network is the sandbox card network. It issues Luhn-valid tokens and Alt
// IDs from ranges of the card's brand, with a PAR that is stable for the
// card; answers onboardings (at once in test mode, after OnboardingDelay
// otherwise); and, on command, changes tokens as an issuer would, telling
// the service through Events.
type Network struct {
	// PAR returns the card's Payment Account Reference.
	PAR func(pan string) string
	// Now returns the current time; tests replace it.
	Now func() time.Time
	// Events receives what the network does on its own.
	Events coft.NetworkEvents
	// OnboardingDelay overrides DefaultOnboardingDelay.
	OnboardingDelay time.Duration
	// Logger reports failures to deliver events; nil means slog's default.
	Logger *slog.Logger
	// CVVLessNetworks are the networks whose ACTIVE tokens pay without a
	// security code; nil means DefaultCVVLessNetworks.
	CVVLessNetworks []string
}

// DefaultCVVLessNetworks are the sandbox networks that take token payments
// without a security code: Visa and Mastercard do for every issuer; RuPay,
// Amex and Diners only for some issuers, so the sandbox says no for them.
var DefaultCVVLessNetworks = []string{"VISA", "MASTERCARD"}

// CVVLess reports whether the brand is one of CVVLessNetworks.
func (n *Network) CVVLess(brand string) bool {
	nets := n.CVVLessNetworks
	if nets == nil {
		nets = DefaultCVVLessNetworks
	}
	return slices.Contains(nets, brand)
}

func (n *Network) now() time.Time {
	if n.Now != nil {
		return n.Now()
	}
	return time.Now()
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
	mm, yyyy := n.expiry(3)
	return &coft.ProvisionedToken{Number: number, ExpMonth: mm, ExpYear: yyyy, PAR: n.PAR(req.PAN), Status: coft.TokenActive}, nil
}

// expiry returns the month and year years from now.
func (n *Network) expiry(years int) (mm, yyyy string) {
	exp := n.now().AddDate(years, 0, 0)
	return fmt.Sprintf("%02d", int(exp.Month())), fmt.Sprint(exp.Year())
}

// Cryptogram returns a fresh 20-byte cryptogram, base64 (28 characters,
// the TAVV format), with ECI 07 (e-commerce, the cryptogram not
// 3-D Secure authenticated) and the network's sandbox token requestor id.
func (n *Network) Cryptogram(_ context.Context, brand, tokenNumber string) (*coft.Cryptogram, error) {
	if _, ok := tokenBINs[brand]; !ok || len(tokenNumber) < 12 {
		return nil, coft.Errorf(coft.EINVALID, "%s does not issue cryptograms for this token.", brand)
	}
	return &coft.Cryptogram{Value: cryptogram(), ECI: "07", TokenRequestorID: tokenRequestorIDs[brand]}, nil
}

// tokenRequestorIDs are the 11-digit token requestor ids (TRIDs) the
// sandbox networks know the service by, one per network, stable.
var tokenRequestorIDs = map[string]string{
	coft.BrandVisa:       "40010042421",
	coft.BrandMastercard: "50110042421",
	coft.BrandRuPay:      "60010042421",
	coft.BrandAmex:       "37010042421",
	coft.BrandDiners:     "36010042421",
}

func cryptogram() string {
	b := make([]byte, 20)
	rand.Read(b)
	return base64.StdEncoding.EncodeToString(b)
}

// AltID issues an Alt ID for the card, or refuses CardTokenRefused and
// brands without a token service.
func (n *Network) AltID(_ context.Context, req coft.AltIDRequest) (*coft.AltID, error) {
	bin, ok := altIDBINs[req.Brand]
	if !ok {
		return nil, coft.Errorf(coft.EINVALID, "%s does not issue Alt IDs.", req.Brand)
	}
	if req.PAN == CardTokenRefused {
		return nil, coft.Errorf(coft.EINVALID, "Card can currently not be used with card association for tokenization")
	}
	mm, yyyy := n.expiry(1)
	return &coft.AltID{Number: tokenNumber(bin, len(req.PAN)), ExpMonth: mm, ExpYear: yyyy,
		TAVV: cryptogram(), PAR: n.PAR(req.PAN)}, nil
}

// Onboard answers an onboarding: every network onboards at once in test
// mode. Otherwise each answers after OnboardingDelay through Events:
// onboarded, or rejected when the associate id starts with RejectPrefix;
// with HoldPrefix they wait for DecideOnboarding.
func (n *Network) Onboard(_ context.Context, o *coft.Onboarding) (map[string]string, error) {
	out := make(map[string]string, len(o.Status))
	later := coft.OnboardingOnboarded
	if strings.HasPrefix(o.AssociateID, RejectPrefix) {
		later = coft.OnboardingRejected
	}
	for brand := range o.Status {
		if o.TestMode {
			out[brand] = coft.OnboardingOnboarded
			continue
		}
		out[brand] = coft.OnboardingPending
		if strings.HasPrefix(o.AssociateID, HoldPrefix) || n.Events == nil {
			continue
		}
		u := coft.OnboardingUpdate{MerchantID: o.MerchantID, AssociateID: o.AssociateID, Flow: o.Flow, Network: brand, Status: later}
		delay := n.OnboardingDelay
		if delay == 0 {
			delay = DefaultOnboardingDelay
		}
		time.AfterFunc(delay, func() {
			if err := n.Events.OnboardingChanged(context.Background(), u); err != nil {
				n.logger().Error("sandbox network: onboarding answer not delivered", "associate_id", u.AssociateID,
					"network", u.Network, "error", err.Error())
			}
		})
	}
	return out, nil
}

func (n *Network) logger() *slog.Logger {
	if n.Logger != nil {
		return n.Logger
	}
	return slog.Default()
}

// DecideOnboarding makes a network answer an onboarding now, as the
// sandbox control API and CLI ask: status is onboarded or rejected.
func (n *Network) DecideOnboarding(ctx context.Context, u coft.OnboardingUpdate) error {
	if err := coft.ValidateAnswer(u.Status); err != nil {
		return err
	}
	return n.Events.OnboardingChanged(ctx, u)
}

// ChangeToken makes the network change a token on its own, as it does when
// an issuer suspends, resumes, deactivates or reissues a card, and reports
// the change through Events. tok is the token as the service knows it.
func (n *Network) ChangeToken(ctx context.Context, merchantID string, tok *coft.NetworkToken, action string) (*coft.Card, error) {
	u := coft.TokenUpdate{MerchantID: merchantID, TokenReference: tok.Reference, Action: action}
	if action == coft.TokenReplace {
		bin, ok := tokenBINs[tok.Provider]
		if !ok {
			return nil, coft.Errorf(coft.EINVALID, "%s does not issue tokens.", tok.Provider)
		}
		length := 16
		if tok.Provider == coft.BrandAmex {
			length = 15
		}
		u.Number = tokenNumber(bin, length)
		for u.Number[len(u.Number)-4:] == tok.Last4 { // make the change visible
			u.Number = tokenNumber(bin, length)
		}
		u.ExpMonth, u.ExpYear = n.expiry(4)
	}
	return n.Events.TokenChanged(ctx, u)
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
