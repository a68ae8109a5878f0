package webapp

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"html"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unsafe"

	"github.com/PuerkitoBio/goquery"
	"github.com/andybalholm/brotli"
	"github.com/coftkit/coft/app"
)

// fakeWasm is the content of the test web directory's app.wasm.
var fakeWasm = bytes.Repeat([]byte("\x00asm\x01\x00\x00\x00 fake wasm "), 50)

// writeWebDir writes app.wasm and its compressed copies into a temporary
// directory, as `make wasm` does.
func writeWebDir(t testing.TB) string {
	t.Helper()
	dir := t.TempDir()
	var gz, br bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&gz, gzip.BestCompression)
	zw.Write(fakeWasm)
	zw.Close()
	bw := brotli.NewWriterLevel(&br, brotli.BestCompression)
	bw.Write(fakeWasm)
	bw.Close()
	for _, f := range []struct {
		name string
		data []byte
	}{{"app.wasm", fakeWasm}, {"app.wasm.gz", gz.Bytes()}, {"app.wasm.br", br.Bytes()}} {
		if err := os.WriteFile(filepath.Join(dir, f.name), f.data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func newTestServer(t testing.TB) *Server {
	t.Helper()
	s, err := New(Config{WebDir: writeWebDir(t), Title: "Confirm card saving"})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

const hostile = `<script>alert(1)</script>"&`

var sampleView = app.ConsentView{
	MerchantName: "Demo Store",
	Amount:       "₹1,250.00",
	CardBrand:    "Mastercard",
	CardLast4:    "4242",
	Action:       "/v2/txns/consent/demo/0123456789abcdef0123456789abcdef",
	FormToken:    "tok_1",
	TextID:       "tokenize-en-v1",
	Locale:       "en",
}

func render(t *testing.T, s *Server, v app.ConsentView) (string, *goquery.Document) {
	t.Helper()
	var b bytes.Buffer
	if err := s.RenderConsent(&b, v); err != nil {
		t.Fatal(err)
	}
	doc, err := goquery.NewDocumentFromReader(bytes.NewReader(b.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	return b.String(), doc
}

func TestNewWithoutWasm(t *testing.T) {
	dir := t.TempDir()
	_, err := New(Config{WebDir: dir})
	if err == nil || !strings.Contains(err.Error(), "make wasm") {
		t.Errorf("New on an empty dir: %v, want an error saying to run make wasm", err)
	}

	// A rebuilt app.wasm of another size: the gzip copy's trailer differs.
	dir = writeWebDir(t)
	os.WriteFile(filepath.Join(dir, "app.wasm"), append(fakeWasm, 'x'), 0o644)
	_, err = New(Config{WebDir: dir})
	if err == nil || !strings.Contains(err.Error(), "make wasm") {
		t.Errorf("New with a stale app.wasm.gz: %v, want an error saying to run make wasm", err)
	}

	// A rebuilt app.wasm of the same size, newer than its copies.
	dir = writeWebDir(t)
	rebuilt := bytes.ToUpper(fakeWasm)
	os.WriteFile(filepath.Join(dir, "app.wasm"), rebuilt, 0o644)
	future := time.Now().Add(time.Hour)
	os.Chtimes(filepath.Join(dir, "app.wasm"), future, future)
	_, err = New(Config{WebDir: dir})
	if err == nil || !strings.Contains(err.Error(), "make wasm") {
		t.Errorf("New with older compressed copies: %v, want an error saying to run make wasm", err)
	}
}

func TestConsentForm(t *testing.T) {
	s := newTestServer(t)
	_, doc := render(t, s, sampleView)

	dialog := doc.Find(`[role="dialog"]`)
	if dialog.Length() != 1 {
		t.Fatalf("%d dialogs", dialog.Length())
	}
	for attr, want := range map[string]string{"aria-modal": "true", "aria-labelledby": "coft-title", "aria-describedby": "coft-lead"} {
		if got, _ := dialog.Attr(attr); got != want {
			t.Errorf("dialog %s = %q, want %q", attr, got, want)
		}
	}
	if doc.Find("#coft-lead").Length() != 1 {
		t.Error("aria-describedby names no element")
	}
	h1 := doc.Find("h1#coft-title")
	if ti, _ := h1.Attr("tabindex"); ti != "-1" || strings.TrimSpace(h1.Text()) != "Save this card securely?" {
		t.Errorf("heading: tabindex %q, text %q", ti, h1.Text())
	}
	if got := strings.Join(strings.Fields(doc.Find(".coft-summary").Text()), " "); got != "Paying ₹1,250.00 to Demo Store" {
		t.Errorf("summary = %q", got)
	}

	form := doc.Find("form")
	if form.Length() != 1 {
		t.Fatalf("%d forms", form.Length())
	}
	if m, _ := form.Attr("method"); m != "post" {
		t.Errorf("form method %q", m)
	}
	if a, _ := form.Attr("action"); a != sampleView.Action {
		t.Errorf("form action %q", a)
	}

	buttons := doc.Find("button")
	if buttons.Length() != 2 {
		t.Fatalf("%d buttons, want 2", buttons.Length())
	}
	var values, classes []string
	buttons.Each(func(_ int, b *goquery.Selection) {
		typ, _ := b.Attr("type")
		name, _ := b.Attr("name")
		value, _ := b.Attr("value")
		class, _ := b.Attr("class")
		if typ != "submit" || name != "decision" {
			t.Errorf("button type %q name %q", typ, name)
		}
		if b.Closest("form").Length() != 1 {
			t.Errorf("button %q outside the form", value)
		}
		values = append(values, value)
		classes = append(classes, class)
	})
	if !slices.Equal(values, []string{"accept", "decline"}) {
		t.Errorf("button values %q", values)
	}
	if classes[0] == "" || classes[0] != classes[1] {
		t.Errorf("button classes %q: want the same class", classes)
	}
	if got := doc.Find(`input[type="checkbox"], input[type="radio"], select`).Length(); got != 0 {
		t.Errorf("%d checkboxes, radios or selects", got)
	}

	// Pitfall 1: no boolean attribute at all, so none can be false-but-true,
	// and nothing pre-selected or focused.
	for _, attr := range []string{"checked", "selected", "disabled", "readonly", "required", "autofocus", "hidden"} {
		if n := doc.Find("[" + attr + "]").Length(); n != 0 {
			t.Errorf("%d elements carry %q", n, attr)
		}
	}

	hidden := map[string]string{}
	doc.Find(`input[type="hidden"]`).Each(func(_ int, in *goquery.Selection) {
		name, _ := in.Attr("name")
		hidden[name], _ = in.Attr("value")
	})
	want := map[string]string{"form_token": "tok_1", "text_id": "tokenize-en-v1", "locale": "en"}
	if len(hidden) != len(want) {
		t.Errorf("hidden inputs %v, want %v", hidden, want)
	}
	for k, v := range want {
		if hidden[k] != v {
			t.Errorf("hidden %s = %q, want %q", k, hidden[k], v)
		}
	}

	status := doc.Find(`[role="status"]`)
	if live, _ := status.Attr("aria-live"); status.Length() != 1 || live != "polite" || strings.TrimSpace(status.Text()) != "" {
		t.Errorf("status: %d elements, aria-live %q, text %q", status.Length(), live, status.Text())
	}
	if n := doc.Find(`#coft-error, [role="alert"]`).Length(); n != 0 {
		t.Errorf("%d error elements without an error", n)
	}

	// The data attributes the wasm reads.
	root := doc.Find("body > #coft-consent")
	for attr, want := range map[string]string{
		"data-merchant": "Demo Store", "data-amount": "₹1,250.00", "data-brand": "Mastercard",
		"data-last4": "4242", "data-action": sampleView.Action, "data-token": "tok_1",
		"data-text-id": "tokenize-en-v1", "data-locale": "en",
	} {
		if got, ok := root.Attr(attr); !ok || got != want {
			t.Errorf("root %s = %q, want %q", attr, got, want)
		}
	}
	if _, ok := root.Attr("data-saved"); ok {
		t.Error("data-saved on a new card")
	}

	// Own icon, never go-app's hot-linked one; styles inline (TestConsentCSP).
	if href, _ := doc.Find(`link[rel="icon"]`).Attr("href"); href != "/static/favicon.svg" {
		t.Errorf("icon %q", href)
	}
	if lang, _ := doc.Find("html").Attr("lang"); lang != "en" {
		t.Errorf("lang %q", lang)
	}
}

func TestConsentVariants(t *testing.T) {
	s := newTestServer(t)
	v := sampleView
	v.Error = "Your choice could not be recorded. Please choose again."
	v.SavedCard = true
	_, doc := render(t, s, v)

	errEl := doc.Find("#coft-error")
	if role, _ := errEl.Attr("role"); errEl.Length() != 1 || role != "alert" || errEl.Text() != v.Error {
		t.Errorf("error element: %d, role %q, text %q", errEl.Length(), role, errEl.Text())
	}
	if errEl.Next().Is("form") != true {
		t.Error("the error is not just above the form")
	}
	if d, _ := doc.Find(`[role="dialog"]`).Attr("aria-describedby"); d != "coft-error coft-lead" {
		t.Errorf("aria-describedby %q", d)
	}
	root := doc.Find("#coft-consent")
	if _, ok := root.Attr("data-saved"); !ok {
		t.Error("no data-saved")
	}
	if e, _ := root.Attr("data-error"); e != v.Error {
		t.Errorf("data-error %q", e)
	}
	if got := doc.Find(".coft-card").Text(); got != "Your saved Mastercard card ending 4242" {
		t.Errorf("card line %q", got)
	}
}

func TestConsentEscaping(t *testing.T) {
	s := newTestServer(t)
	v := sampleView
	v.MerchantName = hostile
	v.FormToken = `a"b'c<d>&e`
	v.Amount = `₹1 & <2>`
	v.Error = hostile
	page, doc := render(t, s, v)

	if strings.Contains(page, "<script>alert") || strings.Contains(page, `"&"`) {
		t.Errorf("unescaped value in the page")
	}
	if got := doc.Find(".coft-merchant").Text(); got != hostile {
		t.Errorf("merchant text %q", got)
	}
	if got := doc.Find("#coft-lead").Text(); !strings.HasPrefix(got, hostile+" can save your") {
		t.Errorf("lead %q", got)
	}
	if got := doc.Find("#coft-error").Text(); got != hostile {
		t.Errorf("error text %q", got)
	}
	root := doc.Find("#coft-consent")
	for attr, want := range map[string]string{"data-merchant": hostile, "data-error": hostile, "data-token": v.FormToken, "data-amount": v.Amount} {
		if got, _ := root.Attr(attr); got != want {
			t.Errorf("%s = %q, want %q", attr, got, want)
		}
	}
	if got, _ := doc.Find(`input[name="form_token"]`).Attr("value"); got != v.FormToken {
		t.Errorf("form_token %q", got)
	}
	if n := doc.Find("script").Length(); n != 4 { // wasm_exec.js, app.js, the shim, frame.js
		t.Errorf("%d scripts", n)
	}
}

func TestWriteEscaped(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	alphabet := []rune("ab <>&'\"₹\x00é")
	for i := 0; i < 500; i++ {
		var s []rune
		for range r.IntN(20) {
			s = append(s, alphabet[r.IntN(len(alphabet))])
		}
		var b strings.Builder
		writeEscaped(&b, string(s))
		if want := html.EscapeString(string(s)); b.String() != want {
			t.Fatalf("writeEscaped(%q) = %q, want %q", string(s), b.String(), want)
		}
	}
}

func TestRenderConsentTextMismatch(t *testing.T) {
	s := newTestServer(t)
	v := sampleView
	v.TextID = "tokenize-en-v0"
	var b bytes.Buffer
	if err := s.RenderConsent(&b, v); err == nil || b.Len() != 0 {
		t.Errorf("RenderConsent with a wrong TextID: err %v, %d bytes written", err, b.Len())
	}
}

// TestRenderMatchesGoApp checks the template technique: RenderConsent
// writes what go-app itself prerenders for the same view, up to attribute
// order and the two documented corrections.
func TestRenderMatchesGoApp(t *testing.T) {
	s := newTestServer(t)
	for _, v := range []app.ConsentView{
		sampleView,
		func() app.ConsentView {
			v := sampleView
			v.Error = "Please choose again."
			v.SavedCard = true
			return v
		}(),
	} {
		_, ours := render(t, s, v)

		rec := httptest.NewRecorder()
		s.handler.ServeHTTP(rec, httptest.NewRequest("GET", app.TemplatePath(v), nil))

		page, err := inlineStyle(rec.Body.String(), s.style)
		if err != nil {
			t.Fatal(err)
		}
		page = restoreTrueARIA(dropTags(page, "<meta", ` property="og:`))
		theirs, err := goquery.NewDocumentFromReader(strings.NewReader(page))
		if err != nil {
			t.Fatal(err)
		}
		if a, b := canonical(ours), canonical(theirs); a != b {
			t.Errorf("RenderConsent differs from go-app's prerender:\nours:\n%s\ngo-app:\n%s", a, b)
		}
	}
}

// canonical serializes a document with sorted attributes.
func canonical(doc *goquery.Document) string {
	var b strings.Builder
	var walk func(*goquery.Selection, int)
	walk = func(sel *goquery.Selection, depth int) {
		sel.Contents().Each(func(_ int, n *goquery.Selection) {
			node := n.Nodes[0]
			if goquery.NodeName(n) == "#text" {
				if s := strings.TrimSpace(node.Data); s != "" {
					b.WriteString(strings.Repeat(" ", depth) + strconv.Quote(s) + "\n")
				}
				return
			}
			var attrs []string
			for _, a := range node.Attr {
				attrs = append(attrs, a.Key+"="+strconv.Quote(a.Val))
			}
			slices.Sort(attrs)
			b.WriteString(strings.Repeat(" ", depth) + goquery.NodeName(n) + " " + strings.Join(attrs, " ") + "\n")
			walk(n, depth+1)
		})
	}
	walk(doc.Selection, 0)
	return b.String()
}

func TestConsentCSP(t *testing.T) {
	s := newTestServer(t)
	_, doc := render(t, s, sampleView)

	inline := doc.Find("script:not([src])")
	if inline.Length() != 1 {
		t.Fatalf("%d inline scripts, want the storage shim only", inline.Length())
	}
	sum := sha256.Sum256([]byte(inline.Text()))
	hash := "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"

	csp := s.ConsentCSP("https://shop.example").String()
	if !strings.Contains(csp, "script-src 'self' 'wasm-unsafe-eval' "+hash+";") {
		t.Errorf("CSP %q does not allow the inline shim (%s)", csp, hash)
	}
	for _, want := range []string{"default-src 'none'", "style-src 'self'", "form-action 'self'", "base-uri 'none'", "worker-src 'self'", "connect-src 'self'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("CSP lacks %q", want)
		}
	}
	if !strings.HasSuffix(csp, "; frame-ancestors https://shop.example") {
		t.Errorf("CSP %q", csp)
	}
	if !strings.HasSuffix(s.ConsentCSP().String(), "frame-ancestors 'none'") {
		t.Error("no frameAncestors does not default to 'none'")
	}
	// One inline style element, in the head, allowed by its hash, instead
	// of stylesheets that block the first paint; no inline style attribute
	// or handler the policy would block.
	styles := doc.Find("style")
	if styles.Length() != 1 || doc.Find("head style").Length() != 1 {
		t.Fatalf("%d style elements, want one in the head", styles.Length())
	}
	sum = sha256.Sum256([]byte(styles.Text()))
	if hash := "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"; !strings.Contains(csp, "style-src 'self' "+hash+";") {
		t.Errorf("CSP %q does not allow the inline style (%s)", csp, hash)
	}
	for _, want := range []string{".goapp-app-info", ".coft-dialog"} { // go-app's, then ours
		if !strings.Contains(styles.Text(), want) {
			t.Errorf("the inline style lacks %s", want)
		}
	}
	if i, j := strings.Index(styles.Text(), ".goapp-app-info"), strings.LastIndex(styles.Text(), ".goapp-app-info"); i == j {
		t.Error("the inline style does not restyle go-app's loader after go-app's own rules")
	}
	if n := doc.Find(`head link[rel="stylesheet"]`).Length(); n != 0 {
		t.Errorf("%d stylesheets block the first paint", n)
	}
	if n := doc.Find("[style], [onclick], [onload]").Length(); n != 0 {
		t.Errorf("%d inline style attributes or handlers", n)
	}
	if doc.Find(`link[rel="preload"]`).Length() != 0 {
		t.Error("a preload competes with the first paint")
	}
}

func get(t *testing.T, h http.Handler, path string, header ...string) *http.Response {
	t.Helper()
	r := httptest.NewRequest("GET", path, nil)
	for i := 0; i+1 < len(header); i += 2 {
		r.Header.Set(header[i], header[i+1])
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w.Result()
}

func body(t *testing.T, res *http.Response) string {
	t.Helper()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestAssets(t *testing.T) {
	s := newTestServer(t)
	mux := http.NewServeMux()
	for _, p := range s.AssetPaths() {
		mux.Handle("GET "+p, s.Assets())
	}

	for _, p := range []string{"/app.js", "/wasm_exec.js", "/app-worker.js", "/manifest.webmanifest", "/app.css"} {
		res := get(t, mux, p)
		b := body(t, res)
		if res.StatusCode != 200 || len(b) == 0 {
			t.Errorf("GET %s: %d, %d bytes", p, res.StatusCode, len(b))
		}
		if strings.Contains(b, "githubusercontent") {
			t.Errorf("%s hot-links go-app's icon", p)
		}
	}

	appJS := body(t, get(t, mux, "/app.js"))
	if !strings.Contains(appJS, `fetchWithProgress("`+s.WasmPath()+`"`) {
		t.Errorf("app.js does not load %s", s.WasmPath())
	}
	if !strings.Contains(appJS, `goappWasmContentLength = "`+strconv.Itoa(len(fakeWasm))+`"`) {
		t.Error("app.js lacks the uncompressed wasm size")
	}

	worker := body(t, get(t, mux, "/app-worker.js"))
	if !strings.Contains(worker, "self.registration.unregister()") || !strings.Contains(worker, "caches.delete") {
		t.Errorf("app-worker.js does not clean up and unregister:\n%s", worker)
	}
	if strings.Contains(worker, `"fetch"`) || strings.Contains(worker, "{{") {
		t.Errorf("app-worker.js handles fetch or has unfilled placeholders:\n%s", worker)
	}

	if !regexp.MustCompile(`^/web/app\.[0-9a-f]{16}\.wasm$`).MatchString(s.WasmPath()) {
		t.Errorf("wasm path %q", s.WasmPath())
	}
	for _, p := range []string{"/web/app.wasm", "/web/app.0000000000000000.wasm", "/web/other.js", "/app.wasm", "/web/"} {
		if res := get(t, mux, p); res.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", p, res.StatusCode)
		}
	}
}

func TestWasmEncodings(t *testing.T) {
	s := newTestServer(t)
	h := s.Assets()
	for _, tc := range []struct {
		accept, encoding string
	}{
		{"gzip, deflate, br, zstd", "br"},
		{"br", "br"},
		{"gzip", "gzip"},
		{"gzip;q=0.5, br;q=0", "gzip"},
		{"*", "br"},
		{"br;q=0, *", "gzip"},
		{"", ""},
		{"identity", ""},
		{"gzip;q=0", ""},
		{"deflate", ""},
	} {
		res := get(t, h, s.WasmPath(), "Accept-Encoding", tc.accept)
		raw := []byte(body(t, res))
		hd := res.Header
		if res.StatusCode != 200 {
			t.Errorf("Accept-Encoding %q: status %d", tc.accept, res.StatusCode)
			continue
		}
		if got := hd.Get("Content-Encoding"); got != tc.encoding {
			t.Errorf("Accept-Encoding %q: Content-Encoding %q, want %q", tc.accept, got, tc.encoding)
		}
		if hd.Get("Content-Type") != "application/wasm" ||
			hd.Get("Cache-Control") != "public, max-age=31536000, immutable" ||
			hd.Get("Vary") != "Accept-Encoding" ||
			hd.Get("Content-Length") != strconv.Itoa(len(raw)) {
			t.Errorf("Accept-Encoding %q: headers %v (body %d bytes)", tc.accept, hd, len(raw))
		}
		var got []byte
		switch tc.encoding {
		case "br":
			got, _ = io.ReadAll(brotli.NewReader(bytes.NewReader(raw)))
		case "gzip":
			zr, err := gzip.NewReader(bytes.NewReader(raw))
			if err != nil {
				t.Fatal(err)
			}
			got, _ = io.ReadAll(zr)
		default:
			got = raw
		}
		if !bytes.Equal(got, fakeWasm) {
			t.Errorf("Accept-Encoding %q: body does not decode to app.wasm", tc.accept)
		}
	}

	// Revalidation and HEAD.
	res := get(t, h, s.WasmPath(), "Accept-Encoding", "br")
	res2 := get(t, h, s.WasmPath(), "Accept-Encoding", "br", "If-None-Match", res.Header.Get("ETag"))
	if res2.StatusCode != http.StatusNotModified {
		t.Errorf("If-None-Match: %d", res2.StatusCode)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("HEAD", s.WasmPath(), nil))
	if w.Code != 200 || w.Body.Len() != 0 || w.Header().Get("Content-Length") != strconv.Itoa(len(fakeWasm)) {
		t.Errorf("HEAD: %d, %d bytes, Content-Length %q", w.Code, w.Body.Len(), w.Header().Get("Content-Length"))
	}
	w = httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("POST", s.WasmPath(), nil))
	if w.Code != http.StatusMethodNotAllowed {
		t.Errorf("POST: %d", w.Code)
	}
}

func TestRenderConsentAllocs(t *testing.T) {
	s := newTestServer(t)
	for _, v := range []app.ConsentView{sampleView, func() app.ConsentView { v := sampleView; v.MerchantName = hostile; v.Error = "x"; return v }()} {
		allocs := testing.AllocsPerRun(100, func() {
			if err := s.RenderConsent(io.Discard, v); err != nil {
				t.Fatal(err)
			}
		})
		if allocs > 0 {
			t.Errorf("RenderConsent allocates %.1f times per call", allocs)
		}
	}
}

// consentHandler serves the consent page as the lead's handler would.
func consentHandler(s *Server, v app.ConsentView) http.Handler {
	csp := s.ConsentCSP().String()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Type", "text/html; charset=utf-8")
		h.Set("Content-Security-Policy", csp)
		h.Set("Cache-Control", "no-store")
		if err := s.RenderConsent(w, v); err != nil {
			panic(err)
		}
	})
}

func BenchmarkRenderConsent(b *testing.B) {
	s := newTestServer(b)
	h := consentHandler(s, sampleView)
	r := httptest.NewRequest("GET", sampleView.Action, nil)
	b.ReportAllocs()
	for b.Loop() {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
	}
}

// BenchmarkFileServerSameBytes serves the bytes RenderConsent writes with
// http.ServeContent: the baseline of the speed goal.
func BenchmarkFileServerSameBytes(b *testing.B) {
	s := newTestServer(b)
	var page bytes.Buffer
	s.RenderConsent(&page, sampleView)
	content := page.Bytes()
	mod := time.Now()
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.ServeContent(w, r, "consent.html", mod, bytes.NewReader(content))
	})
	r := httptest.NewRequest("GET", sampleView.Action, nil)
	b.ReportAllocs()
	for b.Loop() {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
	}
}

// BenchmarkRenderConsentOnly is the rendering alone.
func BenchmarkRenderConsentOnly(b *testing.B) {
	s := newTestServer(b)
	v := sampleView
	v.MerchantName = hostile
	b.ReportAllocs()
	for b.Loop() {
		s.RenderConsent(io.Discard, v)
	}
}

// BenchmarkGoAppPrerender is what a page costs through go-app's handler.
func BenchmarkGoAppPrerender(b *testing.B) {
	s := newTestServer(b)
	r := httptest.NewRequest("GET", app.TemplatePath(sampleView), nil)
	b.ReportAllocs()
	for b.Loop() {
		s.handler.ServeHTTP(httptest.NewRecorder(), r)
	}
}

// TestRenderManage: the saved-cards screen prerenders its view as native
// forms, with "Secure this card" only where allowed, no stray boolean
// attributes, and the view for the wasm in a base64 attribute (go-app's
// encoder cannot put JSON in an attribute).
func TestRenderManage(t *testing.T) {
	s := newTestServer(t)
	v := app.ManageView{MerchantName: `Chai & "Point"`, Token: "tkn_abc", Notice: "Your card is secured.",
		Cards: []app.ManagedCard{
			{Reference: "ref1", Brand: "Visa", Number: "4242-XXXXXXXX-4242", Expiry: "12/2031", Status: "Not secured", CanSecure: true},
			{Reference: "ref2", Brand: "RuPay", Number: "6521-XXXXXXXX-0006", Expiry: "01/2030", Status: "Secured with a RuPay token", TokenOK: true},
		}}
	var b strings.Builder
	if err := s.RenderManage(&b, v); err != nil {
		t.Fatal(err)
	}
	page := b.String()
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(page))
	if err != nil {
		t.Fatal(err)
	}
	if got := doc.Find("#coft-manage-title").Text(); got != `Your saved cards at Chai & "Point"` {
		t.Errorf("title %q", got)
	}
	if n := doc.Find(`#card-ref1 button[data-action="secure"]`).Length(); n != 1 {
		t.Errorf("ref1 has %d secure buttons", n)
	}
	if n := doc.Find(`#card-ref2 button[data-action="secure"]`).Length(); n != 0 {
		t.Errorf("a tokenized card offers to be secured")
	}
	if n := doc.Find(`form[action="/cards/manage/remove"] input[name="client_auth_token"][value="tkn_abc"]`).Length(); n != 2 {
		t.Errorf("%d remove forms carry the token", n)
	}
	if doc.Find("#notice").AttrOr("role", "") != "status" {
		t.Error("the notice is not announced")
	}
	for _, attr := range []string{"disabled", "hidden", "checked", "readonly", "required"} {
		if doc.Find("["+attr+"]").Length() > 0 {
			t.Errorf("stray boolean attribute %s", attr)
		}
	}
	raw, ok := doc.Find("#coft-manage").Attr("data-view")
	data, err := base64.RawURLEncoding.DecodeString(raw)
	var back app.ManageView
	if !ok || err != nil || json.Unmarshal(data, &back) != nil || back.MerchantName != v.MerchantName || len(back.Cards) != 2 {
		t.Fatalf("data-view %q does not decode to the view (%v)", raw, err)
	}
}

func TestMinifyCSS(t *testing.T) {
	in := "/* loader */\n.a :focus-visible ,\n.b > p {\n  color: red ;\n  font: 1rem \"Segoe UI\", sans-serif;\n}\n@media (max-width: 30rem) { .c { margin: 0 } }\n"
	want := `.a :focus-visible,.b > p{color: red;font: 1rem "Segoe UI",sans-serif}@media (max-width: 30rem){.c{margin: 0}}`
	if got := minifyCSS(in); got != want {
		t.Errorf("minifyCSS:\n got %s\nwant %s", got, want)
	}
}

// TestTemplatesShareStyle: the inlined style is one string in memory, not
// one copy per template.
func TestTemplatesShareStyle(t *testing.T) {
	s := newTestServer(t)
	for vr, tpl := range s.templates {
		n := 0
		for _, p := range tpl.parts {
			if p.literal == s.style && unsafe.StringData(p.literal) == unsafe.StringData(s.style) {
				n++
			}
			if p.literal != s.style && strings.Contains(p.literal, s.style) {
				t.Fatalf("template %+v holds a copy of the style", vr)
			}
		}
		if n != 1 {
			t.Fatalf("template %+v refers to the shared style %d times", vr, n)
		}
	}
}
