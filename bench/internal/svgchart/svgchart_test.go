package svgchart

import (
	"bytes"
	"encoding/xml"
	"io"
	"math"
	"testing"
)

func TestNiceTicks(t *testing.T) {
	for _, tc := range []struct {
		max, top, step float64
	}{
		{6, 8, 2}, {0.944, 1, 0.2}, {20.9, 25, 5}, {744, 800, 200}, {1, 1.25, 0.25},
	} {
		ticks, top := niceTicks(tc.max)
		if math.Abs(top-tc.top) > 1e-9 || math.Abs(ticks[1]-tc.step) > 1e-9 {
			t.Errorf("niceTicks(%v) = %v, top %v; want step %v, top %v", tc.max, ticks, top, tc.step, tc.top)
		}
	}
}

func TestTickLabel(t *testing.T) {
	for _, tc := range []struct {
		t, step float64
		want    string
	}{
		{0, 0.2, "0.0"}, {0.8, 0.2, "0.8"}, {10, 2.5, "10.0"}, {5, 5, "5"}, {0.25, 0.25, "0.25"}, {2000, 1000, "2,000"},
	} {
		if got := tickLabel(tc.t, tc.step); got != tc.want {
			t.Errorf("tickLabel(%v, %v) = %q, want %q", tc.t, tc.step, got, tc.want)
		}
	}
}

// The charts are well-formed XML, with or without missing figures.
func TestWellFormed(t *testing.T) {
	nan := math.NaN()
	docs := [][]byte{
		Lines{Title: "a & b", X: []float64{0, 1000, 19000}, Series: []Series{
			{Name: "x<y>", Y: []float64{1, nan, 2}}, {Name: "none", Y: []float64{nan, nan, nan}}}}.SVG(),
		Bars{Title: "t", Labels: []string{"a", "b"}, Values: []float64{3, nan}}.SVG("sub"),
		Panels{Title: "p", Panels: []Bars{{Title: "one", Labels: []string{"a"}, Values: []float64{1}}, {}}}.SVG(),
	}
	for i, d := range docs {
		dec := xml.NewDecoder(bytes.NewReader(d))
		for {
			_, err := dec.Token()
			if err != nil {
				if err != io.EOF {
					t.Errorf("chart %d: %v", i, err)
				}
				break
			}
		}
	}
}
