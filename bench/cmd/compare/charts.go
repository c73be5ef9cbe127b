package main

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/xfer-go/xfer/bench/internal/svgchart"
)

// cpuWorkloads are the workloads whose client CPU per request is charted, one panel each
// (cpu-per-request.svg). A workload that reports cpu_us_per joins by adding its id here.
var cpuWorkloads = []string{"B", "Ehs", "H"}

// styles keeps each client's color (and line dash) the same in every chart.
var styles = map[string]svgchart.Style{
	"xfer":             {Color: "#1f5fbf"},
	"libcurl":          {Color: "#e8710a"},
	"libcurl-1read":    {Color: "#e8710a", Dash: "7 4"},
	"floor-go":         {Color: "#6b6b6b", Dash: "2 4"},
	"floor-c":          {Color: "#111111", Dash: "9 3 2 3"},
	"net/http":         {Color: "#2e9e44"},
	"fasthttp":         {Color: "#8e44ad"},
	"crypto/tls-floor": {Color: "#8c564b"},
	"h2load":           {Color: "#111111", Dash: "9 3 2 3"},
}

// spare colors for clients with no entry in styles, in order of appearance.
var spare = []string{"#17becf", "#d6338a", "#a6a612", "#3b3b8f"}

func style(name string) svgchart.Style {
	if s, ok := styles[name]; ok {
		return s
	}
	s := svgchart.Style{Color: spare[len(styles)%len(spare)]}
	styles[name] = s
	return s
}

// chartFile is one chart: the file it goes to, its title and its SVG.
type chartFile struct {
	name, title string
	svg         []byte
}

// charts draws the charts of the run from the same medians as the tables: the µs per
// action against idle transfers of A and S, the memory per idle transfer of C, and the
// CPU per request of cpuWorkloads. A chart whose workloads did not run is left out.
func charts(ws []workload, r results, s sizes, subtitle string) []chartFile {
	byID := map[string]workload{}
	for _, w := range ws {
		if selected(w.id) {
			byID[w.id] = w
		}
	}
	var out []chartFile
	line := func(file, prefix string, ns []int, metric, title, ylabel string) {
		w, ok := byID[prefix+strconv.Itoa(ns[0])]
		if !ok {
			return
		}
		c := svgchart.Lines{Title: title, Subtitle: subtitle, XLabel: "idle transfers beside the active one", XUnit: " idle", YLabel: ylabel}
		for _, n := range ns {
			c.X = append(c.X, float64(n))
		}
		for _, cl := range w.clients {
			sr := svgchart.Series{Name: cl.name, Style: style(cl.name)}
			for _, n := range ns {
				sr.Y = append(sr.Y, r.med(prefix+strconv.Itoa(n), cl.name, metric))
			}
			c.Series = append(c.Series, sr)
		}
		out = append(out, chartFile{file, title, c.SVG()})
	}
	line("chart-s-per-action.svg", "S", s.sN, "us_per_call",
		"S: µs per action, each action reading one byte", "mean µs inside one action (median of the runs)")
	line("chart-a-per-kib.svg", "A", s.aN, "us_per_kib",
		"A: µs inside actions per 1 KiB read", "µs per KiB read (median of the runs)")

	if w, ok := byID["C"]; ok {
		b := svgchart.Bars{Title: fmt.Sprintf("Memory per idle in-flight transfer (%s idle)", svgchart.Thousands(float64(s.cN))),
			YLabel: "RSS KiB per transfer (lower is better)"}
		for _, cl := range w.clients {
			b.Labels = append(b.Labels, cl.name)
			b.Values = append(b.Values, r.med("C", cl.name, "rss_kib_per_xfer"))
			b.Styles = append(b.Styles, style(cl.name))
		}
		out = append(out, chartFile{"chart-memory-per-idle.svg", b.Title, b.SVG(subtitle)})
	}

	p := svgchart.Panels{Title: "Client CPU per request (lower is better)", Subtitle: subtitle}
	for _, id := range cpuWorkloads {
		w, ok := byID[id]
		if !ok {
			continue
		}
		title, _, _ := strings.Cut(w.title, ",")
		b := svgchart.Bars{Title: title, YLabel: "client CPU µs per request"}
		for _, cl := range w.clients {
			if v := r.med(id, cl.name, "cpu_us_per"); !math.IsNaN(v) {
				b.Labels = append(b.Labels, cl.name)
				b.Values = append(b.Values, v)
				b.Styles = append(b.Styles, style(cl.name))
			}
		}
		p.Panels = append(p.Panels, b)
	}
	if len(p.Panels) > 0 {
		out = append(out, chartFile{"chart-cpu-per-request.svg", p.Title, p.SVG()})
	}
	return out
}

// writeCharts writes the charts into dir.
func writeCharts(dir string, cs []chartFile) {
	for _, c := range cs {
		if err := os.WriteFile(filepath.Join(dir, c.name), c.svg, 0o644); err != nil {
			fmt.Fprintf(os.Stderr, "compare: %v\n", err)
		}
	}
}
