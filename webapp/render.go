package webapp

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"

	"github.com/coftkit/coft"
	"github.com/coftkit/coft/app"
	"github.com/coftkit/coft/static"
)

// The consent page is rendered by go-app once per variant, not per request.
//
// A variant is what changes the markup's structure: the consent text (by
// ID, hence locale), SavedCard and whether Error is set (no empty error
// element is ever rendered). For each variant, New asks go-app's handler to
// prerender the page with a view whose per-request strings are unique
// placeholders ("coftslot<nonce><nn>z", letters and digits only, which
// go-app copies unchanged into text and attributes), and splits the HTML at
// the placeholders into a template: literal segments, each followed by a
// field. RenderConsent then writes the segments interleaved with the
// request's values, HTML-escaped exactly as html.EscapeString does, which is
// correct both in text and in quoted attribute values. Nothing is allocated
// when w implements io.StringWriter (http.ResponseWriter, bytes.Buffer).
//
// The result is the same document go-app would prerender for the view,
// byte for byte except for attribute order (go-app writes attributes in map
// order) and two corrections: the og:* meta tags are dropped (they carry
// the page URL; a consent page is not shared), and an ARIA attribute whose
// value is "true" gets its value back (go-app writes aria-modal="true" as a
// bare aria-modal, which ARIA reads as false).

// variant is what changes the consent page's structure.
type variant struct {
	textID string
	saved  bool
	error  bool
	themed bool
	logo   bool
}

// field names a per-request string of app.ConsentView.
type field int8

const (
	noField field = iota - 1
	fieldMerchant
	fieldAmount
	fieldBrand
	fieldLast4
	fieldAction
	fieldToken
	fieldError
	fieldTheme
	fieldLogo
	fieldCount
)

func (f field) value(v *app.ConsentView) string {
	switch f {
	case fieldMerchant:
		return v.MerchantName
	case fieldAmount:
		return v.Amount
	case fieldBrand:
		return v.CardBrand
	case fieldLast4:
		return v.CardLast4
	case fieldAction:
		return v.Action
	case fieldToken:
		return v.FormToken
	case fieldError:
		return v.Error
	case fieldTheme:
		return v.Theme
	case fieldLogo:
		return v.Logo
	}
	return ""
}

// template is a page split at its fields: each part is a literal followed
// by a field (noField for the last).
type template struct {
	parts []part
}

type part struct {
	literal string
	field   field
}

// share makes the templates' copies of shared (the inlined style, the
// same in every variant) one string in memory: the literal holding it is
// split around it.
func (t *template) share(shared string) {
	for i, p := range t.parts {
		before, after, ok := strings.Cut(p.literal, shared)
		if !ok {
			continue
		}
		// Copies: substrings would keep the whole literal alive.
		t.parts = slices.Insert(t.parts, i, part{literal: strings.Clone(before), field: noField}, part{literal: shared, field: noField})
		t.parts[i+2].literal = strings.Clone(after)
		return
	}
}

// RenderConsent writes the consent page for v: a complete HTML document
// whose dialog is a working native form (POST to v.Action) and which loads
// the wasm to enhance it. Set the response's Content-Type to
// "text/html; charset=utf-8", its Content-Security-Policy to ConsentCSP,
// and Cache-Control to no-store (the page carries a form token).
//
// It returns an error, writing nothing, when v.TextID names another text
// than the one shown (see app.ConsentView.Text); otherwise only w's errors.
func (s *Server) RenderConsent(w io.Writer, v app.ConsentView) error {
	t, err := v.Text()
	if err != nil {
		return err
	}
	tpl := s.templates[variant{textID: t.ID, saved: v.SavedCard, error: v.Error != "", themed: v.Theme != "", logo: v.Logo != ""}]
	if tpl == nil {
		return fmt.Errorf("webapp: no consent template for text %q (was coft.ConsentTexts changed after New?)", t.ID)
	}
	for i := range tpl.parts {
		p := &tpl.parts[i]
		if _, err := io.WriteString(w, p.literal); err != nil {
			return err
		}
		if p.field != noField {
			if err := writeEscaped(w, p.field.value(&v)); err != nil {
				return err
			}
		}
	}
	return nil
}

// writeEscaped writes html.EscapeString(s) without building the string.
func writeEscaped(w io.Writer, s string) error {
	last := 0
	for i := 0; i < len(s); i++ {
		var esc string
		switch s[i] {
		case '<':
			esc = "&lt;"
		case '>':
			esc = "&gt;"
		case '&':
			esc = "&amp;"
		case '\'':
			esc = "&#39;"
		case '"':
			esc = "&#34;"
		default:
			continue
		}
		if _, err := io.WriteString(w, s[last:i]); err != nil {
			return err
		}
		if _, err := io.WriteString(w, esc); err != nil {
			return err
		}
		last = i + 1
	}
	_, err := io.WriteString(w, s[last:])
	return err
}

// templateMark is in the path of the template requests (app.TemplatePath);
// it must not appear in a rendered page.
const templateMark = "coft-template"

// renderTemplates prerenders every variant through go-app's handler.
func (s *Server) renderTemplates() (map[variant]*template, error) {
	var nonce [4]byte
	rand.Read(nonce[:])
	slotPrefix := "coftslot" + hex.EncodeToString(nonce[:])
	slot := func(f field) string { return fmt.Sprintf("%s%02dz", slotPrefix, f) }

	// Every text reachable through coft.ConsentTextFor, rendered under a
	// locale that selects it.
	locales := make([]string, 0, len(coft.ConsentTexts))
	for l := range coft.ConsentTexts {
		locales = append(locales, l)
	}
	slices.Sort(locales)
	seen := map[string]bool{}
	views := map[string]app.ConsentView{}
	variants := map[string]variant{}
	for _, l := range locales {
		t := coft.ConsentTextFor(l)
		if seen[t.ID] {
			continue
		}
		seen[t.ID] = true
		for _, saved := range []bool{false, true} {
			for _, withError := range []bool{false, true} {
				for _, themed := range []bool{false, true} {
					for _, logo := range []bool{false, true} {
						v := app.ConsentView{
							MerchantName: slot(fieldMerchant),
							Amount:       slot(fieldAmount),
							CardBrand:    slot(fieldBrand),
							CardLast4:    slot(fieldLast4),
							Action:       slot(fieldAction),
							FormToken:    slot(fieldToken),
							TextID:       t.ID,
							Locale:       l,
							SavedCard:    saved,
						}
						if withError {
							v.Error = slot(fieldError)
						}
						if themed {
							v.Theme = slot(fieldTheme)
						}
						if logo {
							v.Logo = slot(fieldLogo)
						}
						path := app.TemplatePath(v)
						views[path] = v
						variants[path] = variant{textID: t.ID, saved: saved, error: withError, themed: themed, logo: logo}
					}
				}
			}
		}
	}

	templates := make(map[variant]*template, len(views))
	for path, vr := range variants {
		rec := httptest.NewRecorder()
		s.handler.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		if rec.Code != http.StatusOK {
			return nil, fmt.Errorf("webapp: prerendering the consent page: status %d", rec.Code)
		}
		page, err := inlineStyle(rec.Body.String(), s.style)
		if err != nil {
			return nil, err
		}
		page = dropTags(page, "<meta", ` property="og:`)
		page = restoreTrueARIA(page)
		if strings.Contains(page, templateMark) {
			return nil, fmt.Errorf("webapp: the prerendered consent page contains its template path")
		}
		tpl, err := splitTemplate(page, slotPrefix, vr)
		if err != nil {
			return nil, err
		}
		tpl.share(s.style)
		templates[vr] = tpl
	}
	return templates, nil
}

// splitTemplate splits page at the placeholders "<prefix><nn>z", checking
// that each field appears at least twice (a data attribute and where it is
// shown) and the error field only when withError.
func splitTemplate(page, prefix string, vr variant) (*template, error) {
	var t template
	var count [fieldCount]int
	for {
		i := strings.Index(page, prefix)
		if i < 0 {
			t.parts = append(t.parts, part{literal: page, field: noField})
			break
		}
		rest := page[i+len(prefix):]
		n, err := strconv.Atoi(rest[:min(2, len(rest))])
		if err != nil || len(rest) < 3 || rest[2] != 'z' || n < 0 || n >= int(fieldCount) {
			return nil, fmt.Errorf("webapp: mangled placeholder in the prerendered consent page near %q", page[i:min(i+40, len(page))])
		}
		t.parts = append(t.parts, part{literal: page[:i], field: field(n)})
		count[n]++
		page = rest[3:]
	}
	for f := field(0); f < fieldCount; f++ {
		want := 2
		if f == fieldError && !vr.error || f == fieldTheme && !vr.themed || f == fieldLogo && !vr.logo {
			want = 0
		}
		if (want == 0) != (count[f] == 0) || count[f] < want {
			return nil, fmt.Errorf("webapp: field %d appears %d times in the prerendered consent page", f, count[f])
		}
	}
	return &t, nil
}

// dropTags removes, with their line's indentation and newline, the tags
// starting with open (e.g. "<meta") that contain attr.
func dropTags(page, open, attr string) string {
	for {
		i := strings.Index(page, attr)
		if i < 0 {
			return page
		}
		start := strings.LastIndex(page[:i], open)
		end := strings.IndexByte(page[i:], '>')
		if start < 0 || end < 0 {
			return page
		}
		end += i + 1
		for start > 0 && page[start-1] == ' ' {
			start--
		}
		if end < len(page) && page[end] == '\n' {
			end++
		}
		page = page[:start] + page[end:]
	}
}

// restoreTrueARIA gives bare ARIA attributes (go-app's encoding of "true")
// their value back: ` aria-modal>` becomes ` aria-modal="true">`.
func restoreTrueARIA(page string) string {
	var b strings.Builder
	for {
		i := strings.Index(page, " aria-")
		if i < 0 {
			b.WriteString(page)
			return b.String()
		}
		j := i + len(" aria-")
		for j < len(page) && (page[j] >= 'a' && page[j] <= 'z' || page[j] == '-') {
			j++
		}
		b.WriteString(page[:j])
		if j < len(page) && (page[j] == ' ' || page[j] == '>') {
			b.WriteString(`="true"`)
		}
		page = page[j:]
	}
}

// RenderManage writes the saved-cards screen: the go-app ManagePage,
// prerendered for v through go-app's handler (the screen is rare enough to
// render per request). Set the response's Content-Type to
// "text/html; charset=utf-8", its Content-Security-Policy to ConsentCSP,
// and Cache-Control to no-store (the page carries the customer's token).
func (s *Server) RenderManage(w io.Writer, v app.ManageView) error {
	rec := httptest.NewRecorder()
	s.handler.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, app.ManageViewPath(v), nil))
	if rec.Code != http.StatusOK {
		return fmt.Errorf("webapp: prerendering the saved-cards screen: status %d", rec.Code)
	}
	page := dropTags(rec.Body.String(), "<meta", ` property="og:`)
	if strings.Contains(page, "coft-manage/") { // the path carries the customer's token
		return fmt.Errorf("webapp: the prerendered saved-cards screen contains its view path")
	}
	_, err := io.WriteString(w, restoreTrueARIA(page))
	return err
}

// pageStyle is what the consent page's two stylesheets hold, go-app's
// /app.css then /static/consent.css, to inline in the page: a stylesheet
// linked from the head blocks the first paint until it has arrived, one
// round trip or more on a phone's network, and the page is small.
func (s *Server) pageStyle() (string, error) {
	rec := httptest.NewRecorder()
	s.handler.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/app.css", nil))
	if rec.Code != http.StatusOK {
		return "", fmt.Errorf("webapp: go-app's /app.css: status %d", rec.Code)
	}
	own, err := fs.ReadFile(static.FS, strings.TrimPrefix(stylePath, "/static/"))
	if err != nil {
		return "", fmt.Errorf("webapp: %w", err)
	}
	css := minifyCSS(rec.Body.String() + "\n" + string(own))
	if strings.Contains(strings.ToLower(css), "</style") {
		return "", errors.New("webapp: a stylesheet contains </style")
	}
	return css, nil
}

// inlineStyle replaces the page's stylesheet links (go-app's and ours, in
// the head) by one <style> element holding style.
func inlineStyle(page, style string) (string, error) {
	head := strings.Index(page, "</head>")
	if head < 0 {
		return "", errors.New("webapp: the prerendered page has no </head>")
	}
	at := -1
	for _, href := range []string{`href="/app.css"`, `href="` + stylePath + `"`} {
		i := strings.Index(page[:head], href)
		if i < 0 {
			return "", fmt.Errorf("webapp: the prerendered page links no %s", href)
		}
		start := strings.LastIndex(page[:i], "<link")
		end := strings.Index(page[i:], ">") + i + 1
		for start > 0 && (page[start-1] == ' ' || page[start-1] == '\t') {
			start--
		}
		if end < len(page) && page[end] == '\n' {
			end++
		}
		if at < 0 || start < at {
			at = start
		}
		page = page[:start] + page[end:]
		head -= end - start
	}
	return page[:at] + "    <style>" + style + "</style>\n" + page[at:], nil
}

// minifyCSS drops comments and the whitespace CSS does not need: fewer
// bytes in every page, and less to parse.
func minifyCSS(css string) string {
	var b strings.Builder
	for {
		i := strings.Index(css, "/*")
		if i < 0 {
			b.WriteString(css)
			break
		}
		b.WriteString(css[:i])
		j := strings.Index(css[i+2:], "*/")
		if j < 0 {
			break
		}
		css = css[i+2+j+2:]
	}
	out := strings.Join(strings.Fields(b.String()), " ")
	for _, p := range []string{"{", "}", ";", ","} {
		out = strings.ReplaceAll(out, " "+p, p)
		out = strings.ReplaceAll(out, p+" ", p)
	}
	return strings.ReplaceAll(out, ";}", "}")
}
