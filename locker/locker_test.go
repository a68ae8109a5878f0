package locker

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
)

const testPAN = "4111111111111111"

func randKey(t testing.TB) []byte {
	t.Helper()
	k := make([]byte, KeySize)
	if _, err := rand.Read(k); err != nil {
		t.Fatal(err)
	}
	return k
}

func testKeys(t testing.TB) *Keys {
	return &Keys{
		Active:      "k1",
		Encryption:  map[string][]byte{"k1": randKey(t)},
		Fingerprint: randKey(t),
		Signing:     randKey(t),
	}
}

func mustNew(t testing.TB, k *Keys) *Locker {
	t.Helper()
	l, err := New(k)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func TestRoundTrip(t *testing.T) {
	l := mustNew(t, testKeys(t))
	for _, plain := range []string{testPAN, "", "5555 5555 5555 4444", strings.Repeat("x", 10000)} {
		ct, id, err := l.Seal(plain, "card-ref-1")
		if err != nil {
			t.Fatal(err)
		}
		if id != "k1" {
			t.Errorf("key id = %q, want k1", id)
		}
		if len(ct) != NonceSize+len(plain)+16 {
			t.Errorf("len(ciphertext) = %d, want %d", len(ct), NonceSize+len(plain)+16)
		}
		got, err := l.Open(ct, id, "card-ref-1")
		if err != nil {
			t.Fatal(err)
		}
		if got != plain {
			t.Errorf("round trip changed the plaintext")
		}
	}
}

func TestSealIsRandomized(t *testing.T) {
	l := mustNew(t, testKeys(t))
	a, _, _ := l.Seal(testPAN, "r")
	b, _, _ := l.Seal(testPAN, "r")
	if bytes.Equal(a, b) {
		t.Error("two seals of the same plaintext are equal")
	}
}

func TestCiphertextDoesNotContainPlaintext(t *testing.T) {
	l := mustNew(t, testKeys(t))
	for i := 0; i < 100; i++ {
		ct, _, _ := l.Seal(testPAN, "r")
		if bytes.Contains(ct, []byte(testPAN)) || bytes.Contains(ct, []byte(testPAN[6:12])) ||
			strings.Contains(fmt.Sprintf("%x", ct), testPAN) {
			t.Fatal("ciphertext contains the card digits")
		}
	}
}

func TestRotation(t *testing.T) {
	k := testKeys(t)
	l1 := mustNew(t, k)
	ct1, id1, _ := l1.Seal(testPAN, "ref")

	k2 := &Keys{
		Active:      "k2",
		Encryption:  map[string][]byte{"k1": k.Encryption["k1"], "k2": randKey(t)},
		Fingerprint: k.Fingerprint,
		Signing:     k.Signing,
	}
	l2 := mustNew(t, k2)
	if got, err := l2.Open(ct1, id1, "ref"); err != nil || got != testPAN {
		t.Fatalf("opening a k1 ciphertext after rotation: %v", err)
	}
	ct2, id2, _ := l2.Seal(testPAN, "ref")
	if id2 != "k2" || l2.ActiveKeyID() != "k2" {
		t.Fatalf("new seals use key %q, want k2", id2)
	}
	if _, err := l2.Open(ct2, "k1", "ref"); err == nil {
		t.Error("a k2 ciphertext opened under k1")
	}
	if _, err := l1.Open(ct2, id2, "ref"); err == nil {
		t.Error("a locker without k2 opened a k2 ciphertext")
	}
	if l1.Fingerprint(testPAN) != l2.Fingerprint(testPAN) {
		t.Error("fingerprint changed across key rotation")
	}
	if l1.PAR(testPAN) != l2.PAR(testPAN) {
		t.Error("PAR changed across key rotation")
	}
}

func TestOpenFailures(t *testing.T) {
	l := mustNew(t, testKeys(t))
	ct, id, _ := l.Seal(testPAN, "ref-a")

	if _, err := l.Open(ct, id, "ref-b"); !errors.Is(err, ErrOpen) {
		t.Errorf("wrong aad: err = %v, want ErrOpen", err)
	}
	if _, err := l.Open(ct, id, ""); !errors.Is(err, ErrOpen) {
		t.Errorf("empty aad: err = %v, want ErrOpen", err)
	}
	for i := range ct {
		bad := bytes.Clone(ct)
		bad[i] ^= 0x01
		if _, err := l.Open(bad, id, "ref-a"); !errors.Is(err, ErrOpen) {
			t.Fatalf("tampered byte %d: err = %v, want ErrOpen", i, err)
		}
	}
	for _, bad := range [][]byte{nil, {}, ct[:NonceSize], ct[:len(ct)-1], append(bytes.Clone(ct), 0)} {
		if _, err := l.Open(bad, id, "ref-a"); !errors.Is(err, ErrOpen) {
			t.Errorf("truncated/extended ciphertext (%d bytes): err = %v, want ErrOpen", len(bad), err)
		}
	}
	if _, err := l.Open(ct, "nope", "ref-a"); err == nil || errors.Is(err, ErrOpen) {
		t.Errorf("unknown key id: err = %v", err)
	}
	if _, err := l.Open(ct, strings.Repeat("z", 1000), "ref-a"); err == nil || strings.Contains(err.Error(), "zzz") {
		t.Errorf("unknown, invalid key id: err = %v", err)
	}
	// Swapping ciphertexts between rows fails.
	other := mustNew(t, testKeys(t))
	ct2, id2, _ := other.Seal(testPAN, "ref-a")
	if _, err := l.Open(ct2, id2, "ref-a"); !errors.Is(err, ErrOpen) {
		t.Errorf("ciphertext of another key with the same id: err = %v, want ErrOpen", err)
	}
}

func TestErrorsDoNotRevealPlaintext(t *testing.T) {
	l := mustNew(t, testKeys(t))
	ct, id, _ := l.Seal(testPAN, "ref")
	_, err := l.Open(ct, id, "other")
	if err == nil || strings.Contains(err.Error(), testPAN) || strings.Contains(err.Error(), "1111") {
		t.Errorf("err = %v", err)
	}
}

var (
	fingerprintRE = regexp.MustCompile(`^[0-9a-v]{26}$`)
	parRE         = regexp.MustCompile(`^5001[A-Z2-7]{25}$`)
)

func TestFingerprint(t *testing.T) {
	k := testKeys(t)
	l := mustNew(t, k)
	fp := l.Fingerprint(testPAN)
	if !fingerprintRE.MatchString(fp) {
		t.Errorf("fingerprint %q is not 26 characters of 0-9a-v", fp)
	}
	if l.Fingerprint("4111 1111 1111 1111") != fp || l.Fingerprint("4111-1111-1111-1111") != fp {
		t.Error("fingerprint depends on separators")
	}
	if l.Fingerprint("4111111111111112") == fp || l.Fingerprint("5555555555554444") == fp {
		t.Error("different cards have the same fingerprint")
	}
	if strings.Contains(fp, testPAN[12:]) && strings.Contains(fp, testPAN[:6]) {
		t.Error("fingerprint contains the card digits")
	}
	// A different fingerprint key gives different fingerprints; different
	// encryption keys do not.
	k2 := *k
	k2.Encryption = map[string][]byte{"x": randKey(t)}
	k2.Active = "x"
	if mustNew(t, &k2).Fingerprint(testPAN) != fp {
		t.Error("fingerprint depends on the encryption key")
	}
	k2.Fingerprint = randKey(t)
	if mustNew(t, &k2).Fingerprint(testPAN) == fp {
		t.Error("fingerprint does not depend on the fingerprint key")
	}
}

func TestFingerprintKnownAnswer(t *testing.T) {
	k := testKeys(t)
	k.Fingerprint = bytes.Repeat([]byte{0x01}, 32)
	k.Signing = bytes.Repeat([]byte{0x02}, 32)
	l := mustNew(t, k)
	// Pinned so that a change of algorithm or encoding, which would orphan
	// every stored fingerprint, cannot go unnoticed.
	const wantFP = "gckjpg2elrnnfl542r5mccar4g" // checked with Python hmac + base64
	const wantPAR = "5001VD27AI364AD3ZAFSQCA2VADFC"
	if got := l.Fingerprint(testPAN); got != wantFP {
		t.Errorf("Fingerprint = %q, want %q", got, wantFP)
	}
	if got := l.PAR(testPAN); got != wantPAR {
		t.Errorf("PAR = %q, want %q", got, wantPAR)
	}
}

func TestPAR(t *testing.T) {
	l := mustNew(t, testKeys(t))
	par := l.PAR(testPAN)
	if !parRE.MatchString(par) || len(par) != 29 {
		t.Errorf("PAR %q is not 5001 + 25 of A-Z2-7", par)
	}
	if l.PAR("4111 1111 1111 1111") != par {
		t.Error("PAR depends on separators")
	}
	if l.PAR("5555555555554444") == par {
		t.Error("different cards have the same PAR")
	}
	fp := l.Fingerprint(testPAN)
	if strings.Contains(strings.ToLower(par), fp[:8]) {
		t.Error("PAR resembles the fingerprint")
	}
}

func TestSigningKey(t *testing.T) {
	k := testKeys(t)
	l := mustNew(t, k)
	sk := l.SigningKey()
	if !bytes.Equal(sk, k.Signing) {
		t.Fatal("SigningKey differs from Keys.Signing")
	}
	sk[0] ^= 0xff
	if !bytes.Equal(l.SigningKey(), k.Signing) {
		t.Error("SigningKey returned the locker's own slice")
	}
}

func TestNewValidates(t *testing.T) {
	good := testKeys(t)
	cases := map[string]func(k *Keys){
		"no active":          func(k *Keys) { k.Active = "" },
		"active missing":     func(k *Keys) { k.Active = "k9" },
		"no keys":            func(k *Keys) { k.Encryption = nil },
		"short enc key":      func(k *Keys) { k.Encryption = map[string][]byte{"k1": make([]byte, 16)} },
		"bad key id":         func(k *Keys) { k.Encryption["bad id"] = randKey(t) },
		"short fingerprint":  func(k *Keys) { k.Fingerprint = k.Fingerprint[:31] },
		"missing signing":    func(k *Keys) { k.Signing = nil },
		"long signing":       func(k *Keys) { k.Signing = append(bytes.Clone(k.Signing), 0) },
		"other key too long": func(k *Keys) { k.Encryption["k0"] = make([]byte, 33) },
	}
	for name, mutate := range cases {
		k := *good
		k.Encryption = map[string][]byte{"k1": good.Encryption["k1"]}
		mutate(&k)
		if _, err := New(&k); err == nil {
			t.Errorf("%s: New accepted the keys", name)
		}
	}
	if _, err := New(nil); err == nil {
		t.Error("New(nil) succeeded")
	}
	if _, err := New(good); err != nil {
		t.Errorf("New(good) = %v", err)
	}
}

func TestNewCopiesKeys(t *testing.T) {
	k := testKeys(t)
	l := mustNew(t, k)
	fp := l.Fingerprint(testPAN)
	ct, id, _ := l.Seal(testPAN, "r")
	k.Fingerprint[0] ^= 0xff
	k.Encryption["k1"][0] ^= 0xff
	if l.Fingerprint(testPAN) != fp {
		t.Error("changing Keys after New changed the fingerprint")
	}
	if _, err := l.Open(ct, id, "r"); err != nil {
		t.Error("changing Keys after New changed the encryption key")
	}
}

func TestFormattingRedacts(t *testing.T) {
	k := testKeys(t)
	l := mustNew(t, k)
	for _, s := range []string{
		fmt.Sprint(k), fmt.Sprint(*k), fmt.Sprintf("%+v", k), fmt.Sprintf("%#v", k), fmt.Sprintf("%#v", *k),
		fmt.Sprint(l), fmt.Sprintf("%+v", l), fmt.Sprintf("%#v", l),
	} {
		for _, key := range [][]byte{k.Encryption["k1"], k.Fingerprint, k.Signing} {
			if strings.Contains(s, base64.StdEncoding.EncodeToString(key)) || strings.Contains(s, fmt.Sprint(key)) ||
				strings.Contains(s, fmt.Sprintf("%x", key)) || strings.Contains(s, fmt.Sprintf("%#v", key)) {
				t.Errorf("formatting reveals a key: %s", s)
			}
		}
	}
}

// env returns a getenv function over m.
func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func b64(k []byte) string { return base64.StdEncoding.EncodeToString(k) }

func TestLoadKeysGeneratesFile(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data", "sub")
	k1, err := LoadKeys(dir, env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := New(k1); err != nil {
		t.Fatalf("generated keys are unusable: %v", err)
	}
	path := filepath.Join(dir, KeysFile)
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("keys file mode = %v, want 0600", fi.Mode().Perm())
	}
	di, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	if di.Mode().Perm() != 0o700 {
		t.Errorf("data directory mode = %v, want 0700", di.Mode().Perm())
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("data directory holds %d entries, want only %s", len(entries), KeysFile)
	}

	k2, err := LoadKeys(dir, env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if !sameKeys(k1, k2) {
		t.Error("second LoadKeys returned different keys")
	}
	if bytes.Equal(k1.Fingerprint, k1.Signing) || bytes.Equal(k1.Fingerprint, k1.Encryption[k1.Active]) {
		t.Error("generated keys are not independent")
	}
}

func TestLoadKeysConcurrentFirstUse(t *testing.T) {
	dir := t.TempDir()
	const n = 8
	keys := make([]*Keys, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { keys[i], errs[i] = LoadKeys(dir, env(nil)) })
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		if !sameKeys(keys[0], keys[i]) {
			t.Fatal("concurrent first calls returned different keys")
		}
	}
}

func sameKeys(a, b *Keys) bool {
	if a.Active != b.Active || len(a.Encryption) != len(b.Encryption) ||
		!bytes.Equal(a.Fingerprint, b.Fingerprint) || !bytes.Equal(a.Signing, b.Signing) {
		return false
	}
	for id, k := range a.Encryption {
		if !bytes.Equal(k, b.Encryption[id]) {
			return false
		}
	}
	return true
}

func TestLoadKeysEnv(t *testing.T) {
	e1, e2, fp, sig := randKey(t), randKey(t), randKey(t), randKey(t)
	m := map[string]string{
		EnvLockerKey:      "kA:" + b64(e1) + ", kB_2:" + base64.RawURLEncoding.EncodeToString(e2),
		EnvFingerprintKey: base64.RawStdEncoding.EncodeToString(fp),
		EnvSigningKey:     b64(sig),
	}
	// All set: no data directory needed, none written.
	k, err := LoadKeys("", env(m))
	if err != nil {
		t.Fatal(err)
	}
	if k.Active != "kA" || !bytes.Equal(k.Encryption["kA"], e1) || !bytes.Equal(k.Encryption["kB_2"], e2) ||
		!bytes.Equal(k.Fingerprint, fp) || !bytes.Equal(k.Signing, sig) {
		t.Errorf("keys from env are wrong: %v", k)
	}
	dir := t.TempDir()
	if _, err := LoadKeys(dir, env(m)); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, KeysFile)); err == nil {
		t.Error("keys file written although every key is in the environment")
	}

	// Partly set: env overrides the file, the file fills the rest.
	fileKeys, err := LoadKeys(dir, env(nil))
	if err != nil {
		t.Fatal(err)
	}
	k, err = LoadKeys(dir, env(map[string]string{EnvSigningKey: b64(sig)}))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(k.Signing, sig) || !bytes.Equal(k.Fingerprint, fileKeys.Fingerprint) ||
		k.Active != fileKeys.Active || !bytes.Equal(k.Encryption[k.Active], fileKeys.Encryption[fileKeys.Active]) {
		t.Error("env did not override the file for SIGNING_KEY alone")
	}
	k, err = LoadKeys(dir, env(map[string]string{EnvLockerKey: "z:" + b64(e1)}))
	if err != nil {
		t.Fatal(err)
	}
	if k.Active != "z" || len(k.Encryption) != 1 || !bytes.Equal(k.Signing, fileKeys.Signing) {
		t.Error("env did not override the file for LOCKER_KEY alone")
	}
}

func TestLoadKeysMissingWithoutDataDir(t *testing.T) {
	full := map[string]string{
		EnvLockerKey:      "k1:" + b64(randKey(t)),
		EnvFingerprintKey: b64(randKey(t)),
		EnvSigningKey:     b64(randKey(t)),
	}
	for _, missing := range []string{EnvLockerKey, EnvFingerprintKey, EnvSigningKey} {
		m := map[string]string{}
		for k, v := range full {
			if k != missing {
				m[k] = v
			}
		}
		_, err := LoadKeys("", env(m))
		if err == nil || !strings.Contains(err.Error(), missing) {
			t.Errorf("without %s: err = %v, want one naming it", missing, err)
		}
	}
}

func TestLoadKeysMalformedEnv(t *testing.T) {
	good := b64(randKey(t))
	short := b64(randKey(t)[:31])
	secret := "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXh4eA!!" // not base64
	cases := []struct {
		name, envVar, value string
	}{
		{"locker not base64", EnvLockerKey, "k1:" + secret},
		{"locker short", EnvLockerKey, "k1:" + short},
		{"locker no id", EnvLockerKey, good},
		{"locker empty id", EnvLockerKey, ":" + good},
		{"locker bad id", EnvLockerKey, "k 1:" + good},
		{"locker long id", EnvLockerKey, strings.Repeat("a", 33) + ":" + good},
		{"locker dup id", EnvLockerKey, "k1:" + good + ",k1:" + good},
		{"locker trailing comma", EnvLockerKey, "k1:" + good + ","},
		{"locker second bad", EnvLockerKey, "k1:" + good + ",k2:" + secret},
		{"fingerprint not base64", EnvFingerprintKey, secret},
		{"fingerprint short", EnvFingerprintKey, short},
		{"signing long", EnvSigningKey, b64(append(randKey(t), 1))},
		{"signing not base64", EnvSigningKey, secret},
	}
	for _, c := range cases {
		m := map[string]string{
			EnvLockerKey:      "k1:" + good,
			EnvFingerprintKey: good,
			EnvSigningKey:     good,
		}
		m[c.envVar] = c.value
		_, err := LoadKeys(t.TempDir(), env(m))
		if err == nil {
			t.Errorf("%s: no error", c.name)
			continue
		}
		msg := err.Error()
		if !strings.Contains(msg, c.envVar) {
			t.Errorf("%s: error %q does not name %s", c.name, msg, c.envVar)
		}
		for _, leak := range []string{good, short, secret, good[:12], short[:12], secret[:12]} {
			if strings.Contains(msg, leak) {
				t.Errorf("%s: error %q contains key material", c.name, msg)
			}
		}
	}
}

func TestLoadKeysBadFile(t *testing.T) {
	secret := b64(randKey(t))
	for name, content := range map[string]string{
		"not json":      "{" + secret,
		"no locker":     `{"fingerprint":"` + secret + `","signing":"` + secret + `"}`,
		"short key":     `{"locker":[{"id":"k1","key":"` + secret[:20] + `"}],"fingerprint":"` + secret + `","signing":"` + secret + `"}`,
		"no signing":    `{"locker":[{"id":"k1","key":"` + secret + `"}],"fingerprint":"` + secret + `"}`,
		"bad id":        `{"locker":[{"id":"k/1","key":"` + secret + `"}],"fingerprint":"` + secret + `","signing":"` + secret + `"}`,
		"wrong type":    `{"locker":"` + secret + `"}`,
		"bad base64 fp": `{"locker":[{"id":"k1","key":"` + secret + `"}],"fingerprint":"` + secret + `#","signing":"` + secret + `"}`,
	} {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, KeysFile), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := LoadKeys(dir, env(nil))
		if err == nil {
			t.Errorf("%s: no error", name)
			continue
		}
		if strings.Contains(err.Error(), secret[:12]) {
			t.Errorf("%s: error %q contains key material", name, err)
		}
	}
}

func TestLoadKeysFileRotation(t *testing.T) {
	// A keys file listing several locker keys: the first is active.
	e1, e2 := randKey(t), randKey(t)
	content := `{"locker":[{"id":"new","key":"` + b64(e2) + `"},{"id":"old","key":"` + b64(e1) + `"}],` +
		`"fingerprint":"` + b64(randKey(t)) + `","signing":"` + b64(randKey(t)) + `"}`
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, KeysFile), []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	k, err := LoadKeys(dir, env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if k.Active != "new" || !bytes.Equal(k.Encryption["old"], e1) || !bytes.Equal(k.Encryption["new"], e2) {
		t.Errorf("keys = %v", k)
	}
}

func BenchmarkSeal(b *testing.B) {
	l := mustNew(b, testKeys(b))
	b.ReportAllocs()
	for b.Loop() {
		l.Seal(testPAN, "0123456789abcdef0123456789abcdef")
	}
}

func BenchmarkOpen(b *testing.B) {
	l := mustNew(b, testKeys(b))
	ct, id, _ := l.Seal(testPAN, "0123456789abcdef0123456789abcdef")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := l.Open(ct, id, "0123456789abcdef0123456789abcdef"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkFingerprint(b *testing.B) {
	l := mustNew(b, testKeys(b))
	b.ReportAllocs()
	for b.Loop() {
		l.Fingerprint(testPAN)
	}
}

func BenchmarkPAR(b *testing.B) {
	l := mustNew(b, testKeys(b))
	b.ReportAllocs()
	for b.Loop() {
		l.PAR(testPAN)
	}
}
