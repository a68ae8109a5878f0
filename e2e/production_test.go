package e2e

import (
	"bufio"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestProductionMode starts the real binary with MODE=production: without
// the operator's keys, or with a data directory others can read, it
// refuses to start; otherwise it serves none of the
// sandbox's routes (those its route table has in sandbox mode and not in
// production answer 404), creates no merchant and generates no key, warns
// that the sandbox network is in use, and refuses testMode onboarding.
func TestProductionMode(t *testing.T) {
	dataDir := t.TempDir()
	base := append(os.Environ(), "DATA_DIR="+dataDir, "WEB_DIR="+webDir, "ADDR=127.0.0.1:0", "LOG_LEVEL=warn")
	prod := append(slices.Clone(base), "MODE=production")

	out, err := run(prod, "serve")
	if err == nil || !strings.Contains(string(out), "LOCKER_KEY is not set") {
		t.Fatalf("production without keys: %v\n%s", err, out)
	}
	keys := productionKeys(t)
	prod = append(prod, keys...)
	if err := os.Chmod(dataDir, 0o755); err != nil {
		t.Fatal(err)
	}
	if out, err := run(prod, "serve"); err == nil || !strings.Contains(string(out), "is readable by others") {
		t.Fatalf("production with a world-readable data directory: %v\n%s", err, out)
	}
	if err := os.Chmod(dataDir, 0o700); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		env  []string
		want string
	}{
		{[]string{"BASE_URL=http://pay.example"}, "BASE_URL must be the service's https:// URL"},
		{[]string{"BASE_URL=https://pay.example"}, "set PROVIDERS=sandbox"},
	} {
		if out, err := run(append(slices.Clone(prod), c.env...), "serve"); err == nil || !strings.Contains(string(out), c.want) {
			t.Fatalf("production with %v: %v\n%s", c.env, err, out)
		}
	}
	prod = append(prod, "BASE_URL=https://pay.example", "PROVIDERS=sandbox")

	routes := func(env []string) []string {
		cmd := exec.Command(serverBin, "serve", "-routes")
		cmd.Env, cmd.Stderr = env, io.Discard
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("serve -routes: %v\n%s", err, out)
		}
		var patterns []string
		for _, l := range strings.Split(string(out), "\n") {
			if strings.HasPrefix(l, "GET ") || strings.HasPrefix(l, "POST ") {
				patterns = append(patterns, l)
			}
		}
		return patterns
	}
	prodRoutes := routes(prod)
	sandboxOnly := []string{}
	for _, p := range routes(append(slices.Clone(base), "DATA_DIR="+t.TempDir())) {
		if !slices.Contains(prodRoutes, p) {
			sandboxOnly = append(sandboxOnly, p)
		}
	}
	if len(sandboxOnly) < 7 { // the demo's five and the sandbox controls' two, at least
		t.Fatalf("routes only the sandbox serves: %v", sandboxOnly)
	}
	for _, p := range prodRoutes {
		if strings.Contains(p, "/demo") || strings.Contains(p, "/sandbox/") {
			t.Errorf("production serves %s", p)
		}
	}

	cmd := exec.Command(serverBin)
	cmd.Env = append(slices.Clone(prod), "LOG_LEVEL=info")
	stderr, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Signal(os.Interrupt); cmd.Wait() })
	addr, warned := make(chan string, 1), make(chan bool, 1)
	go func() {
		re := regexp.MustCompile(`"msg":"listening","addr":"([^"]+)"`)
		sc := bufio.NewScanner(stderr)
		sawWarning := false
		for sc.Scan() {
			sawWarning = sawWarning || strings.Contains(sc.Text(), `"level":"WARN"`) && strings.Contains(sc.Text(), "PROVIDERS=sandbox")
			if m := re.FindStringSubmatch(sc.Text()); m != nil {
				warned <- sawWarning
				addr <- m[1]
			}
		}
	}()
	var url string
	select {
	case url = <-addr:
		url = "http://" + url
	case <-time.After(30 * time.Second):
		t.Fatal("production service did not start")
	}
	if !<-warned {
		t.Error("no start-up warning that the sandbox network and bank are in use")
	}

	for _, p := range sandboxOnly {
		method, path, _ := strings.Cut(p, " ")
		path = regexp.MustCompile(`\{[^}]*\}`).ReplaceAllString(path, "x")
		req, _ := http.NewRequest(method, url+path, nil)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusNotFound {
			t.Errorf("production: %s %s = %d, want 404", method, path, res.StatusCode)
		}
	}

	// The demo merchant's console is open in the sandbox only: in
	// production it asks to sign in (and there is no demo merchant).
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	if res, err := noFollow.Get(url + "/console/demo/orders"); err != nil {
		t.Fatal(err)
	} else if res.Body.Close(); res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/console/sign-in") {
		t.Errorf("production: /console/demo/orders = %d %s, want a redirect to sign in", res.StatusCode, res.Header.Get("Location"))
	}

	res, err := http.Get(url + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	var ready struct {
		Status, Environment string
		Warnings            []string
	}
	json.NewDecoder(res.Body).Decode(&ready)
	res.Body.Close()
	if ready.Status != "ok" || ready.Environment != "production" || len(ready.Warnings) != 1 || !strings.Contains(ready.Warnings[0], "sandbox") {
		t.Errorf("/readyz: %+v", ready)
	}

	// No merchant was made on its own, and no key was generated.
	if out, err := run(prod, "merchants", "list"); err != nil || strings.TrimSpace(string(out)) != "[]" && strings.TrimSpace(string(out)) != "" {
		t.Errorf("merchants list: %v\n%s", err, out)
	}
	for _, f := range []string{"keys.json", "card-jwe-key.pem"} {
		if _, err := os.Stat(filepath.Join(dataDir, f)); !os.IsNotExist(err) {
			t.Errorf("production generated %s", f)
		}
	}

	// The admin command works as in the sandbox; testMode onboarding is
	// refused with a clear 400.
	out, err = run(prod, "merchants", "create", "-id", "shop")
	if err != nil {
		t.Fatalf("merchants create: %v\n%s", err, out)
	}
	var creds struct {
		APIKey string `json:"api_key"`
	}
	json.Unmarshal(out, &creds)
	req, _ := http.NewRequest("POST", url+"/tokenization/onboarding",
		strings.NewReader(`{"associateId":"shop","testMode":true,"flow":"COFT","network":"VISA"}`))
	req.SetBasicAuth(creds.APIKey, "")
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("x-merchantid", "shop")
	req.Header.Set("version", "2024-06-27")
	req.Header.Set("x-routing-id", "shop")
	res, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusBadRequest || !strings.Contains(string(body), "testMode") {
		t.Errorf("testMode onboarding in production: %d %s", res.StatusCode, body)
	}
}

// productionKeys are the operator's keys, as production needs them: the
// card JWE key from a file named by CARD_JWE_KEY_FILE.
func productionKeys(t *testing.T) []string {
	key := func() string {
		b := make([]byte, 32)
		rand.Read(b)
		return base64.StdEncoding.EncodeToString(b)
	}
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	der, _ := x509.MarshalPKCS8PrivateKey(rsaKey)
	pemFile := filepath.Join(t.TempDir(), "card-jwe.pem")
	if err := os.WriteFile(pemFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	return []string{"LOCKER_KEY=k1:" + key(), "FINGERPRINT_KEY=" + key(), "SIGNING_KEY=" + key(), "CARD_JWE_KEY_FILE=" + pemFile}
}
