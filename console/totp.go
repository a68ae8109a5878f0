package console

import (
	"bytes"
	"encoding/base64"
	"image/png"
	"time"

	"github.com/coftkit/coft/components"
	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
)

// totpIssuer names the service in authenticator apps.
const totpIssuer = "coft console"

// totpOpts are RFC 6238's defaults, which every authenticator app reads:
// 30-second steps, six digits, SHA-1; a code of the step before or after
// is accepted too, for clocks that drift.
var totpOpts = totp.ValidateOpts{Period: 30, Skew: 0, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}

// newTOTPSecret makes a new authenticator secret (base32) for an account.
func newTOTPSecret(account string) string {
	key, err := totp.Generate(totp.GenerateOpts{Issuer: totpIssuer, AccountName: account})
	if err != nil {
		panic(err) // only a failing random source errs
	}
	return key.Secret()
}

// checkTOTP reports whether code is the secret's code for the step of now,
// or the step before or after, and newer than lastStep: a code is good
// once (RFC 6238, section 5.2). It returns the step it matched.
func checkTOTP(secret, code string, now time.Time, lastStep int64) (int64, bool) {
	if secret == "" || len(code) != 6 {
		return 0, false
	}
	step := now.Unix() / 30
	for _, s := range []int64{step - 1, step, step + 1} {
		if s <= lastStep {
			continue
		}
		want, err := totp.GenerateCodeCustom(secret, time.Unix(s*30, 0), totpOpts)
		if err == nil && want == code {
			return s, true
		}
	}
	return 0, false
}

// TOTPCode is the code an authenticator shows for secret at t; tests sign
// in with it.
func TOTPCode(secret string, t time.Time) string {
	code, _ := totp.GenerateCodeCustom(secret, t, totpOpts)
	return code
}

// enrolView shows a new secret to add to an authenticator: its otpauth://
// URI as a QR code (a data: PNG) and as text to type.
func enrolView(secret, account string) *components.EnrolView {
	key, err := otp.NewKeyFromURL("otpauth://totp/" + totpIssuer + ":" + account + "?issuer=" + "coft%20console" + "&secret=" + secret)
	v := &components.EnrolView{Secret: secret}
	if err != nil {
		return v
	}
	v.URI = key.URL()
	if img, err := key.Image(200, 200); err == nil {
		var buf bytes.Buffer
		if png.Encode(&buf, img) == nil {
			v.QR = "data:image/png;base64," + base64.StdEncoding.EncodeToString(buf.Bytes())
		}
	}
	return v
}
