package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/url"
	"strings"

	"github.com/coftkit/coft"
	"github.com/coftkit/coft/sqlstore"
	"github.com/coftkit/coft/webhook"
)

// merchantOutput is what the merchants commands print. APIKey appears only
// when a key was just created: it is stored hashed and cannot be shown later.
type merchantOutput struct {
	MerchantID          string   `json:"merchant_id"`
	Name                string   `json:"name"`
	APIKey              string   `json:"api_key,omitempty"`
	ResponseKey         string   `json:"response_key"`
	TokenizationEnabled bool     `json:"tokenization_enabled"`
	HostedConsent       bool     `json:"hosted_consent"`
	ReturnURL           string   `json:"return_url"`
	WebhookURL          string   `json:"webhook_url"`
	WebhookUsername     string   `json:"webhook_username"`
	FrameOrigins        []string `json:"frame_origins"`
	ReturnOrigins       []string `json:"return_origins"`
	BrandColor          string   `json:"brand_color,omitempty"`
	LogoURL             string   `json:"logo_url,omitempty"`
	RequireTOTP         bool     `json:"require_totp"`
}

func outputOf(m *coft.Merchant, apiKey string) merchantOutput {
	return merchantOutput{MerchantID: m.ID, Name: m.Name, APIKey: apiKey, ResponseKey: m.ResponseKey,
		TokenizationEnabled: m.TokenizationEnabled, HostedConsent: m.HostedConsent, ReturnURL: m.ReturnURL,
		WebhookURL: m.WebhookURL, WebhookUsername: m.WebhookUsername, FrameOrigins: append([]string{}, m.FrameOrigins...), BrandColor: m.BrandColor, LogoURL: m.LogoURL,
		ReturnOrigins: append([]string{}, m.ReturnOrigins...), RequireTOTP: m.RequireTOTP}
}

func merchants(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return fmt.Errorf("merchants: want create, update, list, users or jwt-keys")
	}
	sub, args := args[0], args[1:]
	switch sub {
	case "jwt-keys":
		return jwtKeys(ctx, args, getenv, stdout, stderr)
	case "users":
		return users(ctx, args, getenv, stdout, stderr)
	}
	fs := flag.NewFlagSet("merchants "+sub, flag.ContinueOnError)
	fs.SetOutput(stderr)
	id := fs.String("id", "", "merchant id (letters, digits, _ and -)")
	name := fs.String("name", "", "name shown to customers")
	hosted := fs.Bool("hosted-consent", true, "show the hosted consent page when a payment does not say whether to tokenize")
	tokenization := fs.Bool("tokenization", true, "enable card-on-file tokenization")
	returnURL := fs.String("return-url", "", "default return URL of orders")
	webhookURL := fs.String("webhook-url", "", "webhook URL")
	webhookUser := fs.String("webhook-username", "", "webhook Basic auth username")
	webhookPass := fs.String("webhook-password", "", "webhook Basic auth password")
	brand := fs.String("brand-color", "", "brand colour of the customer pages, #rrggbb (contrast is kept at WCAG AA)")
	logo := fs.String("logo-url", "", "http(s) URL of the logo shown on the customer pages")
	frames := fs.String("frame-origins", "", "origins allowed to frame the checkout and saved-cards screen, comma-separated (e.g. https://shop.example)")
	returns := fs.String("return-origins", "", "origins orders' return_url may point to, besides -return-url's, comma-separated (e.g. https://shop.example)")
	requireTOTP := fs.Bool("require-totp", false, "make every console user of the merchant sign in with an authenticator code")
	rotateKey := fs.Bool("rotate-api-key", false, "update: issue a new API key (the old one stops working)")
	rotateResp := fs.Bool("rotate-response-key", false, "update: issue a new response key")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("merchants %s: unexpected argument %q", sub, fs.Arg(0))
	}
	cfg, db, err := openAdmin(ctx, getenv)
	if err != nil {
		return err
	}
	defer db.Close()
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")

	switch sub {
	case "list":
		ms, err := db.ListMerchants(ctx)
		if err != nil {
			return err
		}
		out := make([]merchantOutput, len(ms))
		for i, m := range ms {
			out[i] = outputOf(m, "")
		}
		return enc.Encode(out)
	case "create":
		if *id == "" {
			return fmt.Errorf("merchants create: -id is required")
		}
		key := coft.NewAPIKey()
		m := &coft.Merchant{ID: *id, Name: *name, APIKeyHash: coft.HashAPIKey(key), ResponseKey: strings.ToUpper(coft.RandomHex(16)),
			TokenizationEnabled: *tokenization, HostedConsent: *hosted, ReturnURL: *returnURL,
			WebhookURL: *webhookURL, WebhookUsername: *webhookUser, WebhookPassword: *webhookPass,
			FrameOrigins: splitOrigins(*frames), BrandColor: *brand, LogoURL: *logo, ReturnOrigins: splitOrigins(*returns),
			RequireTOTP: *requireTOTP}
		if err := checkWebhookHost(cfg.mode, m.WebhookURL); err != nil {
			return err
		}
		if err := db.CreateMerchant(ctx, m); err != nil {
			return cliError(err)
		}
		return enc.Encode(outputOf(m, key))
	case "update":
		if *id == "" {
			return fmt.Errorf("merchants update: -id is required")
		}
		m, err := db.FindMerchantByID(ctx, *id)
		if err != nil {
			return cliError(err)
		}
		// Only the flags given change anything.
		var key string
		fs.Visit(func(f *flag.Flag) {
			switch f.Name {
			case "name":
				m.Name = *name
			case "hosted-consent":
				m.HostedConsent = *hosted
			case "tokenization":
				m.TokenizationEnabled = *tokenization
			case "return-url":
				m.ReturnURL = *returnURL
			case "webhook-url":
				m.WebhookURL = *webhookURL
			case "webhook-username":
				m.WebhookUsername = *webhookUser
			case "webhook-password":
				m.WebhookPassword = *webhookPass
			case "frame-origins":
				m.FrameOrigins = splitOrigins(*frames)
			case "return-origins":
				m.ReturnOrigins = splitOrigins(*returns)
			case "brand-color":
				m.BrandColor = *brand
			case "logo-url":
				m.LogoURL = *logo
			case "require-totp":
				m.RequireTOTP = *requireTOTP
			case "rotate-api-key":
				if *rotateKey {
					key = coft.NewAPIKey()
					m.APIKeyHash = coft.HashAPIKey(key)
				}
			case "rotate-response-key":
				if *rotateResp {
					m.ResponseKey = strings.ToUpper(coft.RandomHex(16))
				}
			}
		})
		if err := checkWebhookHost(cfg.mode, m.WebhookURL); err != nil {
			return err
		}
		if err := db.UpdateMerchant(ctx, m); err != nil {
			return cliError(err)
		}
		return enc.Encode(outputOf(m, key))
	}
	return fmt.Errorf("merchants: unknown subcommand %q (want create, update, list, users or jwt-keys)", sub)
}

// splitOrigins reads a comma- or space-separated list of origins.
func splitOrigins(s string) []string {
	return strings.Fields(strings.ReplaceAll(s, ",", " "))
}

// checkWebhookHost refuses, in production mode, webhook URLs naming
// localhost or an address that is not global unicast (webhook.GlobalUnicast:
// every special-purpose block, IPv4-mapped, NAT64 and 6to4 forms decoded).
// Names are not resolved here: delivery checks the address it dials with
// the same function, which also catches names resolving (or rebound) to
// internal addresses.
func checkWebhookHost(mode, raw string) error {
	if mode != "production" || raw == "" {
		return nil
	}
	if err := webhook.PublicHost(raw); err != nil {
		return fmt.Errorf("webhook_url: %w (MODE=production)", err)
	}
	return nil
}

// cliError words a domain error for the command line.
func cliError(err error) error {
	if f := coft.ErrorField(err); f != "" {
		return fmt.Errorf("%s: %s", f, coft.ErrorMessage(err))
	}
	if coft.ErrorCode(err) != coft.EINTERNAL {
		return fmt.Errorf("%s", coft.ErrorMessage(err))
	}
	return err
}

// ensureDemoMerchant creates the sandbox merchant "demo" (hosted consent
// on) when the database has no merchant at all, and prints its
// credentials: they are shown only this once.
func ensureDemoMerchant(ctx context.Context, db *sqlstore.DB, cfg config, stdout io.Writer) error {
	ms, err := db.ListMerchants(ctx)
	if err != nil {
		return err
	}
	if len(ms) > 0 {
		for _, m := range ms {
			if m.ID == "demo" {
				fmt.Fprintf(stdout, "Sandbox merchant \"demo\" exists. Lost its API key? go run ./server merchants update -id demo -rotate-api-key\n")
				return onboardDemo(ctx, db)
			}
		}
		return nil
	}
	key := coft.NewAPIKey()
	m := &coft.Merchant{ID: "demo", Name: "Demo Store", APIKeyHash: coft.HashAPIKey(key),
		ResponseKey: strings.ToUpper(coft.RandomHex(16)), TokenizationEnabled: true, HostedConsent: true}
	if err := db.CreateMerchant(ctx, m); err != nil {
		if coft.ErrorCode(err) == coft.ECONFLICT { // another instance made it first
			return nil
		}
		return err
	}
	if err := onboardDemo(ctx, db); err != nil {
		return err
	}
	base := cfg.baseURL
	if base == "" {
		base = "http://" + cfg.addr
	}
	fmt.Fprintf(stdout, `
Sandbox merchant "demo" created. Its API key is shown only now:
  merchant_id:  demo
  api_key:      %s
  response_key: %s
Try:
  curl -u %s: -d order_id=order1 -d amount=100.00 %s/orders
  curl -u %s: %s/orders/order1

`, key, m.ResponseKey, key, base, key, base)
	return nil
}

// onboardDemo onboards the sandbox merchant "demo" itself to every network
// for COFT and ALT_ID, in test mode, unless it has been onboarded for the
// flow before (its onboarding is then left as it is).
func onboardDemo(ctx context.Context, db *sqlstore.DB) error {
	for _, flow := range []string{coft.FlowCOFT, coft.FlowAltID} {
		_, err := db.FindOnboarding(ctx, "demo", "demo", flow)
		if err == nil {
			continue
		} else if coft.ErrorCode(err) != coft.ENOTFOUND {
			return err
		}
		o := &coft.Onboarding{MerchantID: "demo", AssociateID: "demo", Flow: flow, TestMode: true,
			Company: coft.Company{LegalName: "Demo Store Private Limited", TradeName: "Demo Store",
				WebsiteURL: "https://demo.example", BusinessIDType: "PAN", BusinessIDValue: "AAACD1234F"},
			Status: map[string]string{}}
		for _, b := range coft.Networks {
			o.Status[b] = coft.OnboardingOnboarded
		}
		if err := db.SaveOnboarding(ctx, o); err != nil {
			return err
		}
	}
	return nil
}

// allowDemoFraming lets the service's own pages (the demo at /demo) frame
// the sandbox merchant "demo"'s pages and host its drop-in.
func allowDemoFraming(ctx context.Context, db *sqlstore.DB, baseURL string) error {
	m, err := db.FindMerchantByID(ctx, "demo")
	if coft.ErrorCode(err) == coft.ENOTFOUND {
		return nil
	} else if err != nil {
		return err
	}
	u, err := url.Parse(baseURL)
	if err != nil || u.Host == "" {
		return nil
	}
	origin := u.Scheme + "://" + u.Host
	for _, o := range m.FrameOrigins {
		if o == origin {
			return nil
		}
	}
	if !coft.ValidOrigin(origin) {
		return nil
	}
	m.FrameOrigins = append(m.FrameOrigins, origin)
	return db.UpdateMerchant(ctx, m)
}
