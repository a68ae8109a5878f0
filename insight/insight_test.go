package insight_test

import (
	"bytes"
	"encoding/xml"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/coftkit/coft"
	"github.com/coftkit/coft/insight"
)

var ist = time.FixedZone("IST", 5*3600+1800)

// statsOf counts outcomes as the store does, for one period.
func statsOf(from time.Time, days int, outcomes []coft.ConsentOutcome) *coft.ConsentStats {
	s := &coft.ConsentStats{MerchantID: "m", From: from, To: from.AddDate(0, 0, days)}
	splits := map[string]*coft.ConsentSplit{}
	byDay := map[string]*coft.ConsentDay{}
	var order []string
	for _, o := range outcomes {
		s.Total.Add(&o)
		for _, sp := range coft.StatsSplits {
			k := sp + "\x00" + o.Value(sp)
			if splits[k] == nil {
				splits[k] = &coft.ConsentSplit{Split: sp, Value: o.Value(sp)}
				order = append(order, k)
			}
			splits[k].Add(&o)
		}
		k := coft.StatsDayKey(o.ShownAt)
		if byDay[k] == nil {
			byDay[k] = &coft.ConsentDay{}
		}
		switch o.Outcome {
		case coft.OutcomeAccepted:
			byDay[k].Accepted++
		case coft.OutcomeDeclined:
			byDay[k].Declined++
		default:
			byDay[k].Abandoned++
		}
	}
	for _, sp := range coft.StatsSplits {
		for _, k := range order {
			if splits[k].Split == sp {
				s.Splits = append(s.Splits, *splits[k])
			}
		}
	}
	for d := s.From; d.Before(s.To); d = d.AddDate(0, 0, 1) {
		day := coft.ConsentDay{}
		if x := byDay[coft.StatsDayKey(d)]; x != nil {
			day = *x
		}
		day.Day = d
		s.Days = append(s.Days, day)
	}
	return s
}

// sample: five dialogs on 10 March 2026, two channels.
func sample() *coft.ConsentStats {
	at := time.Date(2026, 3, 10, 9, 0, 0, 0, ist)
	o := func(channel, lang, ff, brand, outcome string, secs float64) coft.ConsentOutcome {
		x := coft.ConsentOutcome{MerchantID: "m", ShownAt: at, Channel: channel, Language: lang, FormFactor: ff, Brand: brand,
			TextID: coft.ConsentTextFor(lang).ID, Outcome: outcome}
		if outcome == coft.OutcomeAbandoned {
			x.Language, x.TextID, x.FormFactor = "", "", ""
		} else {
			x.Timed, x.DecideTime = true, time.Duration(secs*float64(time.Second))
		}
		return x
	}
	return statsOf(time.Date(2026, 3, 9, 0, 0, 0, 0, ist), 2, []coft.ConsentOutcome{
		o(coft.ChannelHostedPage, "en", coft.FormFactorMobilePortrait, coft.BrandVisa, coft.OutcomeAccepted, 2),
		o(coft.ChannelHostedPage, "hi", coft.FormFactorDesktop, coft.BrandVisa, coft.OutcomeDeclined, 4.6),
		o(coft.ChannelHostedPage, "en", coft.FormFactorMobilePortrait, coft.BrandMastercard, coft.OutcomeAbandoned, 0),
		o(coft.ChannelMerchantPage, "en", coft.FormFactorDesktop, coft.BrandVisa, coft.OutcomeAccepted, 12),
		o(coft.ChannelMerchantPage, "ta", coft.FormFactorMobileLandscape, coft.BrandRuPay, coft.OutcomeAccepted, 75),
	})
}

// checkSVG checks an SVG is well-formed XML, named and described for
// assistive technology, and inert: no script, foreign content, link,
// reference, event handler or style attribute (markup, not text).
func checkSVG(t *testing.T, c insight.Chart) {
	t.Helper()
	svg := string(c.SVG)
	if !strings.HasPrefix(svg, `<svg role="img" aria-label="`+c.Title+". ") || !strings.Contains(svg, "<title>"+c.Title+"</title><desc>") {
		t.Errorf("%s: not named: %.300s", c.ID, svg)
	}
	d := xml.NewDecoder(strings.NewReader(svg))
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		} else if err != nil {
			t.Errorf("%s: not well-formed: %v", c.ID, err)
			break
		}
		el, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		switch strings.ToLower(el.Name.Local) {
		case "script", "foreignobject", "a", "use", "image", "iframe", "style":
			t.Errorf("%s: a <%s> element", c.ID, el.Name.Local)
		}
		for _, a := range el.Attr {
			if n := strings.ToLower(a.Name.Local); strings.HasPrefix(n, "on") || n == "href" || n == "style" || n == "src" {
				t.Errorf("%s: a %s attribute", c.ID, a.Name.Local)
			}
		}
	}
}

// TestCharts: every chart is an accessible, inert SVG with its numbers
// as table rows, which are exactly the stats'.
func TestCharts(t *testing.T) {
	cs, err := insight.Charts(sample())
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	byID := map[string]insight.Chart{}
	for _, c := range cs {
		ids = append(ids, c.ID)
		byID[c.ID] = c
		checkSVG(t, c)
		for i, r := range c.Rows {
			if len(r) != len(c.Headers) {
				t.Errorf("%s: row %d has %d cells for %d headers", c.ID, i, len(r), len(c.Headers))
			}
		}
	}
	if got := strings.Join(ids, " "); got != "outcomes-by-day acceptance-by-channel acceptance-by-language acceptance-by-form-factor "+
		"acceptance-by-card-brand acceptance-by-text-version time-to-decide time-to-decide-by-language time-to-decide-by-text-version" {
		t.Fatalf("charts: %s", got)
	}
	for id, want := range map[string]string{
		"acceptance-by-channel": "Hosted page 3 1 1 1 33.3% 2 s 4.5 s|Drop-in (merchant page) 2 2 0 0 100.0% 12 s 1 min 15 s",
		"acceptance-by-language": "English 2 2 0 0 100.0% 2 s 12 s|Hindi 1 0 1 0 0.0% 4.5 s 4.5 s|not known 1 0 0 1 0.0% — —|" +
			"Tamil 1 1 0 0 100.0% 1 min 15 s 1 min 15 s",
		"outcomes-by-day":            "2026-03-09 0 0 0 0 0.0%|2026-03-10 5 3 1 1 60.0%",
		"time-to-decide":             "under 1 s 0 0.0%|1–2 s 0 0.0%|2–3 s 1 25.0%|3–5 s 1 25.0%|5–10 s 0 0.0%|10–20 s 1 25.0%|20–30 s 0 0.0%|30–60 s 0 0.0%|1–2 min 1 25.0%|2 min or more 0 0.0%",
		"time-to-decide-by-language": "English 2 2 s 12 s|Hindi 1 4.5 s 4.5 s|Tamil 1 1 min 15 s 1 min 15 s",
	} {
		var rows []string
		for _, r := range byID[id].Rows {
			rows = append(rows, strings.Join(r, " "))
		}
		if got := strings.Join(rows, "|"); got != want {
			t.Errorf("%s rows:\n%s\nwant:\n%s", id, got, want)
		}
	}
	if !strings.Contains(byID["time-to-decide"].Summary, "4 timed decisions, median 4.5 s, 90th percentile 1 min 15 s") {
		t.Errorf("summary: %s", byID["time-to-decide"].Summary)
	}
}

// TestChartsEmpty: a period without a dialog still draws every chart.
func TestChartsEmpty(t *testing.T) {
	cs, err := insight.Charts(statsOf(time.Date(2026, 3, 1, 0, 0, 0, 0, ist), 7, nil))
	if err != nil || len(cs) != 9 {
		t.Fatalf("Charts = %d charts, %v", len(cs), err)
	}
	for _, c := range cs {
		checkSVG(t, c)
	}
}

// TestChartsEscape: a value that looks like markup is text in the SVG.
func TestChartsEscape(t *testing.T) {
	s := sample()
	for i := range s.Splits {
		if s.Splits[i].Split == coft.SplitBrand {
			s.Splits[i].Value = `<script>alert("x")</script><a href="javascript:x" onload="y">`
		}
	}
	cs, err := insight.Charts(s)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cs {
		checkSVG(t, c)
		if c.ID == "acceptance-by-card-brand" && !strings.Contains(string(c.SVG), "&lt;script&gt;") {
			t.Errorf("the value is not in the chart, escaped: %s", c.SVG)
		}
	}
}

// TestWriteCSV: the CSV file's lines, exactly.
func TestWriteCSV(t *testing.T) {
	s := sample()
	s.Pending = 2
	var buf bytes.Buffer
	if err := insight.WriteCSV(&buf, s); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	for i, want := range map[int]string{
		0: "from,to,split,value,shown,accepted,declined,abandoned,acceptance_rate,median_decide_ms,p90_decide_ms,timed,too_fast,simulated,pending",
		1: "2026-03-09,2026-03-10,total,,5,3,1,1,0.6000,4500,75000,4,0,0,2",
		2: "2026-03-09,2026-03-10,channel,HOSTED_PAGE,3,1,1,1,0.3333,2000,4500,2,0,0,",
		6: "2026-03-09,2026-03-10,language,,1,0,0,1,0.0000,,,0,0,0,",
	} {
		if lines[i] != want {
			t.Errorf("line %d = %q, want %q", i, lines[i], want)
		}
	}
	if last := lines[len(lines)-1]; last != "2026-03-09,2026-03-10,day,2026-03-10,5,3,1,1,0.6000,,,,,," {
		t.Errorf("last line = %q", last)
	}
	want := 2 + len(s.Splits) + len(s.Days)
	if len(lines) != want {
		t.Errorf("%d lines, want %d", len(lines), want)
	}
	// A value a spreadsheet would take for a formula is written as text.
	s.Splits[0].Value = "=HYPERLINK(\"http://x\")"
	buf.Reset()
	insight.WriteCSV(&buf, s)
	if !strings.Contains(buf.String(), `"'=HYPERLINK(""http://x"")"`) {
		t.Errorf("formula not neutralised:\n%s", buf.String())
	}
}
