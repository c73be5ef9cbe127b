// Package svgchart draws the harness's charts as hand-written SVG: line charts of a figure
// against a count (µs per action against idle transfers) and bar charts, alone or side by
// side, each with its own scale (memory per idle transfer, CPU per request). Axes start
// at zero, are labelled and carry their unit; lines have a legend and bars their values.
// Missing figures (NaN) are left out: a line skips the point, a bar reads "–".
package svgchart

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Style is how one series or bar is drawn.
type Style struct {
	Color string // CSS color
	Dash  string // stroke-dasharray of a line, "" for solid
}

// Series is one line: a value for each x of the chart (NaN where not measured).
type Series struct {
	Name  string
	Style Style
	Y     []float64
}

// Lines is a line chart.
type Lines struct {
	Title    string
	Subtitle string
	XLabel   string // the x axis, with its unit
	XUnit    string // after an x value in the legend (" idle")
	YLabel   string // the y axis, with its unit
	X        []float64
	Series   []Series
}

const (
	width     = 760
	height    = 440
	marginL   = 78
	marginR   = 170 // the legend
	marginT   = 70
	marginB   = 62
	fontStack = "DejaVu Sans, Helvetica, Arial, sans-serif"
)

// SVG returns the chart as a standalone SVG document.
func (c Lines) SVG() []byte {
	var d doc
	d.open(width, height)
	d.titles(c.Title, c.Subtitle, width)
	x0, x1 := float64(marginL), float64(width-marginR)
	y0, y1 := float64(height-marginB), float64(marginT)
	ymax := 0.0
	for _, s := range c.Series {
		for _, v := range s.Y {
			if !math.IsNaN(v) {
				ymax = math.Max(ymax, v)
			}
		}
	}
	ticks, top := niceTicks(ymax)
	xmax := 0.0
	for _, v := range c.X {
		xmax = math.Max(xmax, v)
	}
	if xmax == 0 {
		xmax = 1
	}
	px := func(v float64) float64 { return x0 + (x1-x0)*v/xmax }
	py := func(v float64) float64 { return y0 - (y0-y1)*v/top }
	d.yAxis(ticks, py, x0, x1, c.YLabel, y0, y1)
	for _, v := range c.X {
		d.f(`<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#333"/>`, px(v), y0, px(v), y0+5)
		d.f(`<text x="%.1f" y="%.1f" text-anchor="middle" font-size="12">%s</text>`, px(v), y0+19, Thousands(v))
	}
	d.f(`<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#333"/>`, x0, y0, x1, y0)
	d.f(`<text x="%.1f" y="%.1f" text-anchor="middle" font-size="13">%s</text>`, (x0+x1)/2, float64(height-16), esc(c.XLabel))
	for i, s := range c.Series {
		var pts []string
		for j, v := range s.Y {
			if j < len(c.X) && !math.IsNaN(v) {
				pts = append(pts, fmt.Sprintf("%.1f,%.1f", px(c.X[j]), py(v)))
			}
		}
		dash := ""
		if s.Style.Dash != "" {
			dash = fmt.Sprintf(` stroke-dasharray="%s"`, s.Style.Dash)
		}
		if len(pts) > 1 {
			d.f(`<polyline points="%s" fill="none" stroke="%s" stroke-width="2.5"%s/>`, strings.Join(pts, " "), s.Style.Color, dash)
		}
		for _, p := range pts {
			xy := strings.Split(p, ",")
			d.f(`<circle cx="%s" cy="%s" r="4" fill="%s" stroke="white" stroke-width="1"/>`, xy[0], xy[1], s.Style.Color)
		}
		// The legend: the series' line, its name and its last value.
		ly := float64(marginT) + 10 + float64(i)*38
		lx := float64(width-marginR) + 22
		d.f(`<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="%s" stroke-width="2.5"%s/>`, lx, ly, lx+26, ly, s.Style.Color, dash)
		d.f(`<circle cx="%.1f" cy="%.1f" r="4" fill="%s"/>`, lx+13, ly, s.Style.Color)
		d.f(`<text x="%.1f" y="%.1f" font-size="13">%s</text>`, lx+34, ly+4, esc(s.Name))
		if v, ok := last(s.Y); ok {
			d.f(`<text x="%.1f" y="%.1f" font-size="11" fill="#555">%s at %s</text>`, lx+34, ly+19, Num(v), Thousands(c.X[len(c.X)-1])+c.XUnit)
		}
	}
	return d.close()
}

// Bars is one bar chart: a value for each label.
type Bars struct {
	Title  string
	YLabel string // the y axis, with its unit
	Labels []string
	Values []float64
	Styles []Style
}

// Panels is a row of bar charts side by side, each with its own scale.
type Panels struct {
	Title    string
	Subtitle string
	Panels   []Bars
}

// SVG returns the bar chart alone as a standalone SVG document.
func (b Bars) SVG(subtitle string) []byte {
	return Panels{Title: b.Title, Subtitle: subtitle, Panels: []Bars{{YLabel: b.YLabel, Labels: b.Labels, Values: b.Values, Styles: b.Styles}}}.SVG()
}

// SVG returns the panels as a standalone SVG document.
func (p Panels) SVG() []byte {
	n := max(len(p.Panels), 1)
	panelW := 380
	if n == 1 {
		panelW = 620
	}
	w := n*panelW + 20
	var d doc
	d.open(w, height)
	d.titles(p.Title, p.Subtitle, w)
	for i, b := range p.Panels {
		off := float64(10 + i*panelW)
		x0, x1 := off+float64(marginL), off+float64(panelW)-20
		y0, y1 := float64(height-marginB), float64(marginT)+(map[bool]float64{true: 22, false: 0}[b.Title != ""])
		if b.Title != "" {
			d.f(`<text x="%.1f" y="%.1f" text-anchor="middle" font-size="14" font-weight="bold">%s</text>`, (x0+x1)/2, float64(marginT)+4, esc(b.Title))
		}
		ymax := 0.0
		for _, v := range b.Values {
			if !math.IsNaN(v) {
				ymax = math.Max(ymax, v)
			}
		}
		ticks, top := niceTicks(ymax)
		py := func(v float64) float64 { return y0 - (y0-y1)*v/top }
		d.yAxis(ticks, py, x0, x1, b.YLabel, y0, y1)
		slot := (x1 - x0) / float64(max(len(b.Values), 1))
		bw := math.Min(slot*0.62, 70)
		for j, v := range b.Values {
			cx := x0 + slot*(float64(j)+0.5)
			color := "#888"
			if j < len(b.Styles) {
				color = b.Styles[j].Color
			}
			label := "–"
			if !math.IsNaN(v) {
				label = Num(v)
				d.f(`<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"/>`, cx-bw/2, py(v), bw, y0-py(v), color)
				d.f(`<text x="%.1f" y="%.1f" text-anchor="middle" font-size="12" font-weight="bold">%s</text>`, cx, py(v)-5, label)
			} else {
				d.f(`<text x="%.1f" y="%.1f" text-anchor="middle" font-size="12">%s</text>`, cx, y0-5, label)
			}
			d.f(`<text x="%.1f" y="%.1f" text-anchor="middle" font-size="12">%s</text>`, cx, y0+18, esc(b.Labels[j]))
		}
		d.f(`<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#333"/>`, x0, y0, x1, y0)
	}
	return d.close()
}

// doc accumulates an SVG document.
type doc struct{ b strings.Builder }

func (d *doc) f(format string, args ...any) {
	fmt.Fprintf(&d.b, format, args...)
	d.b.WriteByte('\n')
}

func (d *doc) open(w, h int) {
	d.f(`<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="%s">`, w, h, w, h, fontStack)
	d.f(`<rect width="100%%" height="100%%" fill="white"/>`)
}

func (d *doc) titles(title, subtitle string, w int) {
	d.f(`<text x="%d" y="28" text-anchor="middle" font-size="17" font-weight="bold">%s</text>`, w/2, esc(title))
	if subtitle != "" {
		d.f(`<text x="%d" y="48" text-anchor="middle" font-size="12" fill="#555">%s</text>`, w/2, esc(subtitle))
	}
}

// yAxis draws the y axis from x0, its gridlines to x1, the tick labels and the axis label.
func (d *doc) yAxis(ticks []float64, py func(float64) float64, x0, x1 float64, label string, y0, y1 float64) {
	for _, t := range ticks {
		d.f(`<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#e3e3e3"/>`, x0, py(t), x1, py(t))
		d.f(`<text x="%.1f" y="%.1f" text-anchor="end" font-size="12">%s</text>`, x0-7, py(t)+4, tickLabel(t, ticks[1]))
	}
	d.f(`<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#333"/>`, x0, y0, x0, y1)
	cx, cy := x0-52, (y0+y1)/2
	d.f(`<text x="%.1f" y="%.1f" text-anchor="middle" font-size="13" transform="rotate(-90 %.1f %.1f)">%s</text>`, cx, cy, cx, cy, esc(label))
}

func (d *doc) close() []byte {
	d.f(`</svg>`)
	return []byte(d.b.String())
}

// niceTicks returns round tick values from 0 to above max (with 4 % of headroom, so that
// the highest point does not touch the top), and the top of the axis.
func niceTicks(max float64) ([]float64, float64) {
	if !(max > 0) || math.IsInf(max, 0) {
		return []float64{0, 1}, 1
	}
	raw := max * 1.04 / 5
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	step := mag
	for _, m := range []float64{1, 2, 2.5, 5, 10} {
		if m*mag >= raw {
			step = m * mag
			break
		}
	}
	var ticks []float64
	top := 0.0
	for i := 0; ; i++ {
		t := float64(i) * step
		ticks = append(ticks, t)
		top = t
		if t >= max*1.04 {
			break
		}
	}
	return ticks, top
}

// tickLabel formats tick t with the decimals that step needs, so all ticks of an axis
// have the same number of them.
func tickLabel(t, step float64) string {
	dec := 0
	for p := step; dec < 6 && math.Abs(p-math.Round(p)) > 1e-9*math.Max(1, p); p *= 10 {
		dec++
	}
	if t >= 1000 && dec == 0 {
		return Thousands(t)
	}
	return strconv.FormatFloat(t, 'f', dec, 64)
}

func last(ys []float64) (float64, bool) {
	if len(ys) == 0 || math.IsNaN(ys[len(ys)-1]) {
		return 0, false
	}
	return ys[len(ys)-1], true
}

// Num formats a figure with three significant digits or so, as the harness's tables do.
func Num(v float64) string {
	switch a := math.Abs(v); {
	case math.IsNaN(v):
		return "–"
	case a >= 1000:
		return Thousands(v)
	case a >= 100:
		return strconv.FormatFloat(v, 'f', 0, 64)
	case a >= 10:
		return strconv.FormatFloat(v, 'f', 1, 64)
	case a >= 1 || a == 0:
		return strings.TrimSuffix(strings.TrimRight(strconv.FormatFloat(v, 'f', 2, 64), "0"), ".")
	}
	return strconv.FormatFloat(v, 'f', 3, 64)
}

// Thousands formats an integral figure with commas between groups of three digits.
func Thousands(v float64) string {
	s := strconv.FormatFloat(math.Round(v), 'f', 0, 64)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteString(",")
		}
		b.WriteRune(r)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

func esc(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;").Replace(s)
}
