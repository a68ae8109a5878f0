// Package insight presents consent stats (coft.ConsentStats) to people:
// charts rendered on the server as SVG (with go-analyze/charts), each with
// its numbers as a table for the page to show beside it, and the CSV
// download. It writes no HTML page: the merchant console embeds the
// charts (Charts) and serves the CSV (WriteCSV).
package insight

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"html"
	"html/template"
	"io"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/coftkit/coft"
	"github.com/go-analyze/charts"
)

// Chart is one chart and its numbers.
type Chart struct {
	ID    string // stable, for the page: "acceptance-by-language"
	Title string // "Acceptance by language"
	// Summary says in one sentence what the chart shows; it is also the
	// SVG's accessible description.
	Summary string
	// SVG is the chart: an <svg role="img"> with a <title> and a <desc>
	// (and the same words in aria-label), no script and no event
	// handler, safe to write into a page as it is.
	SVG template.HTML
	// Headers and Rows are the chart's numbers, as text, for an
	// accessible table beside it (the page should show it, not only the
	// picture).
	Headers []string
	Rows    [][]string
}

// Chart sizes, in CSS pixels (the SVG scales: it has a viewBox).
const (
	width       = 720
	rowHeight   = 34
	minHeight   = 200
	chartHeight = 320
)

// Colours of the outcomes, distinguishable without colour vision too
// (the table carries the numbers) and at AA contrast against white.
var (
	colorAccepted  = charts.ColorFromHex("#1a7f37") // green
	colorDeclined  = charts.ColorFromHex("#57606a") // grey
	colorAbandoned = charts.ColorFromHex("#bc4c00") // orange
	colorMedian    = charts.ColorFromHex("#0b5cad") // the service's blue
	colorP90       = charts.ColorFromHex("#8250df") // violet
)

// splitTitles name the splits for people.
var splitTitles = map[string]string{
	coft.SplitChannel:    "channel",
	coft.SplitLanguage:   "language",
	coft.SplitFormFactor: "form factor",
	coft.SplitBrand:      "card brand",
	coft.SplitText:       "text version",
}

// ValueLabel names a split's value for people: channels and languages in
// words, "not known" for "" (dialogs abandoned before anything was
// posted).
func ValueLabel(split, value string) string {
	if value == "" {
		return "not known"
	}
	switch split {
	case coft.SplitChannel:
		switch value {
		case coft.ChannelHostedPage:
			return "Hosted page"
		case coft.ChannelMerchantPage:
			return "Drop-in (merchant page)"
		case coft.ChannelManagementPage:
			return "Saved-cards screen"
		}
	case coft.SplitLanguage:
		if name, ok := languageNames[value]; ok {
			return name
		}
	case coft.SplitFormFactor:
		switch value {
		case coft.FormFactorMobilePortrait:
			return "Mobile, portrait"
		case coft.FormFactorMobileLandscape:
			return "Mobile, landscape"
		case coft.FormFactorDesktop:
			return "Desktop"
		}
	case coft.SplitBrand:
		return coft.BrandName(value)
	}
	return value
}

var languageNames = map[string]string{"en": "English", "hi": "Hindi", "bn": "Bengali", "ta": "Tamil", "te": "Telugu", "mr": "Marathi"}

// Charts renders a period's stats: outcomes by day, acceptance by each
// split, the distribution of the time to decide, and its median and 90th
// percentile by language and by text version. A chart with nothing to
// show (no dialog) says so in its table and draws an empty frame.
func Charts(s *coft.ConsentStats) ([]Chart, error) {
	var out []Chart
	add := func(c Chart, err error) error {
		if err != nil {
			return fmt.Errorf("insight: %s: %w", c.ID, err)
		}
		out = append(out, c)
		return nil
	}
	if err := add(outcomesByDay(s)); err != nil {
		return nil, err
	}
	for _, split := range coft.StatsSplits {
		if err := add(acceptanceBy(s, split)); err != nil {
			return nil, err
		}
	}
	if err := add(decideDistribution(s)); err != nil {
		return nil, err
	}
	for _, split := range []string{coft.SplitLanguage, coft.SplitText} {
		if err := add(decideBy(s, split)); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// Percent writes a rate as a percentage with one decimal: "62.5%".
func Percent(r float64) string { return strconv.FormatFloat(100*r, 'f', 1, 64) + "%" }

func count(n int64) string { return strconv.FormatInt(n, 10) }

// decide writes a percentile of c, or "—" without timed decisions.
func decide(c *coft.ConsentCounts, p float64) string {
	d, ok := c.Percentile(p)
	if !ok {
		return "—"
	}
	return coft.FormatDecideTime(d)
}

// period writes the stats' period for people: "1 Mar 2026 to 30 Mar 2026".
func period(s *coft.ConsentStats) string {
	last := s.To.AddDate(0, 0, -1)
	if s.From.Equal(last) {
		return s.From.Format("2 Jan 2006")
	}
	return s.From.Format("2 Jan 2006") + " to " + last.Format("2 Jan 2006")
}

func outcomesByDay(s *coft.ConsentStats) (Chart, error) {
	c := Chart{ID: "outcomes-by-day", Title: "Consent dialogs by day",
		Summary: fmt.Sprintf("Accepted, declined and abandoned consent dialogs on each day from %s (India time).", period(s)),
		Headers: []string{"Day", "Shown", "Accepted", "Declined", "Abandoned", "Acceptance rate"}}
	var labels []string
	vals := [][]float64{{}, {}, {}}
	for _, d := range s.Days {
		labels = append(labels, d.Day.Format("2 Jan"))
		vals[0] = append(vals[0], float64(d.Accepted))
		vals[1] = append(vals[1], float64(d.Declined))
		vals[2] = append(vals[2], float64(d.Abandoned))
		cc := coft.ConsentCounts{Accepted: d.Accepted, Declined: d.Declined, Abandoned: d.Abandoned}
		c.Rows = append(c.Rows, []string{d.Day.Format(time.DateOnly), count(cc.Shown()), count(d.Accepted), count(d.Declined),
			count(d.Abandoned), Percent(cc.AcceptanceRate())})
	}
	opt := charts.NewBarChartOptionWithData(vals)
	opt.StackSeries = charts.Ptr(true)
	opt.CategoryAxis.Labels = labels
	opt.Legend.SeriesNames = []string{"Accepted", "Declined", "Abandoned"}
	opt.Legend.Offset = charts.OffsetRight
	opt.Theme = theme([]charts.Color{colorAccepted, colorDeclined, colorAbandoned})
	opt.Title.Text = c.Title
	opt.ValueAxis = countAxis()
	svg, err := render(func(p *charts.Painter) error { return p.BarChart(opt) }, chartHeight, c)
	c.SVG = svg
	return c, err
}

func acceptanceBy(s *coft.ConsentStats, split string) (Chart, error) {
	name := splitTitles[split]
	c := Chart{ID: "acceptance-by-" + strings.ReplaceAll(name, " ", "-"), Title: "Acceptance by " + name,
		Summary: fmt.Sprintf("Accepted, declined and abandoned consent dialogs for each %s, %s.", name, period(s)),
		Headers: []string{strings.ToUpper(name[:1]) + name[1:], "Shown", "Accepted", "Declined", "Abandoned", "Acceptance rate",
			"Median time to decide", "90th percentile"}}
	values := s.Split(split)
	var labels []string
	vals := [][]float64{{}, {}, {}}
	// The chart lists the values top down; the category axis draws from
	// the bottom.
	for i := len(values) - 1; i >= 0; i-- {
		v := &values[i]
		labels = append(labels, ValueLabel(split, v.Value)+" ("+Percent(v.AcceptanceRate())+")")
		vals[0] = append(vals[0], float64(v.Accepted))
		vals[1] = append(vals[1], float64(v.Declined))
		vals[2] = append(vals[2], float64(v.Abandoned))
	}
	for i := range values {
		v := &values[i]
		c.Rows = append(c.Rows, []string{ValueLabel(split, v.Value), count(v.Shown()), count(v.Accepted), count(v.Declined),
			count(v.Abandoned), Percent(v.AcceptanceRate()), decide(&v.ConsentCounts, 0.5), decide(&v.ConsentCounts, 0.9)})
	}
	opt := charts.NewBarChartOptionWithData(vals)
	opt.Horizontal = true
	opt.StackSeries = charts.Ptr(true)
	opt.CategoryAxis.Labels = labels
	opt.Legend.SeriesNames = []string{"Accepted", "Declined", "Abandoned"}
	opt.Legend.Offset = charts.OffsetRight
	opt.Theme = theme([]charts.Color{colorAccepted, colorDeclined, colorAbandoned})
	opt.Title.Text = c.Title
	opt.ValueAxis = countAxis()
	opt.ValueAxis[0].LabelCountAdjustment, opt.ValueAxis[0].LabelCount = 0, 5
	svg, err := render(func(p *charts.Painter) error { return p.BarChart(opt) }, barsHeight(len(values)), c)
	c.SVG = svg
	return c, err
}

// decideRanges group the histogram's buckets for the distribution chart:
// [from, to) in DecideBuckets' bounds.
var decideRanges = []struct {
	label    string
	from, to time.Duration
}{
	{"under 1 s", 0, time.Second},
	{"1–2 s", time.Second, 2 * time.Second},
	{"2–3 s", 2 * time.Second, 3 * time.Second},
	{"3–5 s", 3 * time.Second, 5 * time.Second},
	{"5–10 s", 5 * time.Second, 10 * time.Second},
	{"10–20 s", 10 * time.Second, 20 * time.Second},
	{"20–30 s", 20 * time.Second, 30 * time.Second},
	{"30–60 s", 30 * time.Second, time.Minute},
	{"1–2 min", time.Minute, 2 * time.Minute},
	{"2 min or more", 2 * time.Minute, 1<<63 - 1},
}

func decideDistribution(s *coft.ConsentStats) (Chart, error) {
	t := &s.Total
	c := Chart{ID: "time-to-decide", Title: "Time to decide",
		Summary: fmt.Sprintf("How long customers took from seeing the consent dialog to choosing, %s: %s timed decisions, median %s, 90th percentile %s.",
			period(s), count(t.Timed), decide(t, 0.5), decide(t, 0.9)),
		Headers: []string{"Time to decide", "Decisions", "Share"}}
	var labels []string
	var vals []float64
	for _, r := range decideRanges {
		var n int64
		for i, lo := range coft.DecideBuckets {
			if lo >= r.from && lo < r.to {
				n += t.Decide[i]
			}
		}
		share := 0.0
		if t.Timed > 0 {
			share = float64(n) / float64(t.Timed)
		}
		labels = append(labels, r.label)
		vals = append(vals, float64(n))
		c.Rows = append(c.Rows, []string{r.label, count(n), Percent(share)})
	}
	opt := charts.NewBarChartOptionWithData([][]float64{vals})
	opt.CategoryAxis.Labels = labels
	opt.Legend.SeriesNames = []string{"Decisions"}
	opt.Legend.Show = charts.Ptr(false)
	opt.Theme = theme([]charts.Color{colorMedian})
	opt.Title.Text = c.Title
	opt.ValueAxis = countAxis()
	opt.CategoryAxis.LabelCount = len(labels)
	opt.CategoryAxis.LabelRotation = charts.DegreesToRadians(-30)
	svg, err := render(func(p *charts.Painter) error { return p.BarChart(opt) }, chartHeight+30, c)
	c.SVG = svg
	return c, err
}

func decideBy(s *coft.ConsentStats, split string) (Chart, error) {
	name := splitTitles[split]
	c := Chart{ID: "time-to-decide-by-" + strings.ReplaceAll(name, " ", "-"), Title: "Time to decide by " + name,
		Summary: fmt.Sprintf("The median and 90th percentile of the time customers took to choose, in seconds, for each %s, %s.", name, period(s)),
		Headers: []string{strings.ToUpper(name[:1]) + name[1:], "Timed decisions", "Median", "90th percentile"}}
	var labels []string
	vals := [][]float64{{}, {}}
	values := s.Split(split)
	for i := len(values) - 1; i >= 0; i-- {
		v := &values[i]
		if v.Timed == 0 {
			continue
		}
		med, _ := v.Median()
		p90, _ := v.P90()
		labels = append(labels, ValueLabel(split, v.Value))
		vals[0] = append(vals[0], med.Seconds())
		vals[1] = append(vals[1], p90.Seconds())
	}
	for i := range values {
		v := &values[i]
		if v.Timed == 0 {
			continue
		}
		c.Rows = append(c.Rows, []string{ValueLabel(split, v.Value), count(v.Timed), decide(&v.ConsentCounts, 0.5), decide(&v.ConsentCounts, 0.9)})
	}
	opt := charts.NewBarChartOptionWithData(vals)
	opt.Horizontal = true
	opt.CategoryAxis.Labels = labels
	opt.Legend.SeriesNames = []string{"Median (s)", "90th percentile (s)"}
	opt.Legend.Offset = charts.OffsetRight
	opt.Theme = theme([]charts.Color{colorMedian, colorP90})
	opt.Title.Text = c.Title
	opt.ValueAxis = []charts.ValueAxisOption{{Min: charts.Ptr(0.0), LabelCount: 5,
		ValueFormatter: func(f float64) string { return strconv.FormatFloat(f, 'f', 0, 64) + " s" }}}
	svg, err := render(func(p *charts.Painter) error { return p.BarChart(opt) }, barsHeight(2*len(labels)), c)
	c.SVG = svg
	return c, err
}

// countAxis is a value axis of counts: from 0, whole numbers, few labels.
func countAxis() []charts.ValueAxisOption {
	return []charts.ValueAxisOption{{Min: charts.Ptr(0.0), LabelCountAdjustment: -2,
		ValueFormatter: func(f float64) string { return strconv.FormatFloat(f, 'f', 0, 64) }}}
}

func barsHeight(rows int) int { return max(minHeight, 90+rows*rowHeight) }

// theme is a light theme with the given series colours.
func theme(series []charts.Color) charts.ColorPalette {
	return charts.GetTheme(charts.ThemeLight).WithSeriesColors(series)
}

var svgOpen = regexp.MustCompile(`^\s*(<\?xml[^>]*>\s*)?<svg\b`)

// render draws a chart into an SVG and makes it accessible: role="img",
// aria-label, and <title> and <desc> first in it. It refuses an SVG that
// holds anything but drawing (see inert): the charts' labels are the
// service's words and split values, escaped by the library, but this is
// checked, not assumed.
func render(draw func(*charts.Painter) error, height int, c Chart) (template.HTML, error) {
	if height <= 0 {
		height = chartHeight
	}
	p := charts.NewPainter(charts.PainterOptions{OutputFormat: charts.ChartOutputSVG, Width: width, Height: height})
	if err := draw(p); err != nil {
		return "", err
	}
	b, err := p.Bytes()
	if err != nil {
		return "", err
	}
	return accessible(b, c)
}

// accessible adds the chart's name and description to an SVG.
func accessible(b []byte, c Chart) (template.HTML, error) {
	loc := svgOpen.FindIndex(b)
	if loc == nil {
		return "", fmt.Errorf("not an SVG")
	}
	if err := inert(b[loc[1]-len("<svg"):]); err != nil {
		return "", err
	}
	end := bytes.IndexByte(b[loc[1]:], '>')
	if end < 0 {
		return "", fmt.Errorf("not an SVG")
	}
	end += loc[1]
	b, err := presentationAttributes(b)
	if err != nil {
		return "", err
	}
	label := html.EscapeString(c.Title + ". " + c.Summary)
	var out bytes.Buffer
	out.Write(b[loc[1]-len("<svg") : loc[1]]) // from <svg, without an XML declaration
	out.WriteString(` role="img" aria-label="` + label + `"`)
	out.Write(b[loc[1]:end])
	out.WriteString(`><title>` + html.EscapeString(c.Title) + `</title><desc>` + html.EscapeString(c.Summary) + `</desc>`)
	out.Write(b[end+1:])
	return template.HTML(out.String()), nil
}

var styleAttr = regexp.MustCompile(`\sstyle="([^"]*)"`)

// presentationProperties are the CSS properties the charts set that SVG
// also takes as attributes.
var presentationProperties = map[string]bool{"fill": true, "stroke": true, "stroke-width": true, "font-family": true,
	"font-size": true, "font-weight": true, "opacity": true, "fill-opacity": true, "stroke-opacity": true,
	"stroke-dasharray": true, "stroke-linecap": true, "stroke-linejoin": true, "text-anchor": true}

// presentationAttributes turns the SVG's style attributes into
// presentation attributes (style="fill:white" becomes fill="white"), so
// that the chart, written into a page, needs no 'unsafe-inline' in the
// page's Content-Security-Policy style-src (which governs style
// attributes, not presentation attributes).
func presentationAttributes(b []byte) ([]byte, error) {
	var bad error
	out := styleAttr.ReplaceAllFunc(b, func(m []byte) []byte {
		decls := string(styleAttr.FindSubmatch(m)[1])
		var attrs strings.Builder
		for _, d := range strings.Split(decls, ";") {
			prop, val, ok := strings.Cut(strings.TrimSpace(d), ":")
			prop, val = strings.TrimSpace(prop), strings.TrimSpace(val)
			if !ok && prop == "" {
				continue
			}
			if !presentationProperties[prop] || strings.ContainsAny(val, `"<>`) {
				bad = fmt.Errorf("a style the chart sets is not a presentation attribute: %q", d)
				return m
			}
			attrs.WriteString(" " + prop + `="` + val + `"`)
		}
		return []byte(attrs.String())
	})
	return out, bad
}

// svgElements and svgAttributes are what a chart may hold: shapes, text
// and their presentation, nothing that runs, links or loads.
var (
	svgElements   = map[string]bool{"svg": true, "g": true, "path": true, "text": true, "tspan": true, "rect": true, "circle": true, "line": true, "polyline": true, "polygon": true, "title": true, "desc": true}
	svgAttributes = map[string]bool{"xmlns": true, "viewBox": true, "width": true, "height": true, "d": true, "x": true, "y": true,
		"x1": true, "y1": true, "x2": true, "y2": true, "cx": true, "cy": true, "r": true, "points": true, "transform": true,
		"style": true, "role": true, "aria-label": true, "dx": true, "dy": true, "dominant-baseline": true}
)

// inert checks that an SVG is well-formed and holds only the elements and
// attributes of drawings (svgElements, svgAttributes, presentation
// attributes): no script, event handler, link, reference or foreign
// content.
func inert(b []byte) error {
	d := xml.NewDecoder(bytes.NewReader(b))
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return nil
		} else if err != nil {
			return fmt.Errorf("the rendered SVG is malformed: %w", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if !svgElements[t.Name.Local] || (t.Name.Space != "" && t.Name.Space != "http://www.w3.org/2000/svg") {
				return fmt.Errorf("the rendered SVG holds a <%s> element", t.Name.Local)
			}
			for _, a := range t.Attr {
				name := a.Name.Local
				if a.Name.Space == "xmlns" { // a namespace declaration, e.g. xmlns:xlink
					continue
				}
				if a.Name.Space != "" || (!svgAttributes[name] && !presentationProperties[name]) {
					return fmt.Errorf("the rendered SVG holds a %s attribute", name)
				}
			}
		case xml.ProcInst, xml.Directive:
			return fmt.Errorf("the rendered SVG holds a processing instruction or directive")
		}
	}
}
