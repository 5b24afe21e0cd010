// Package barchart draws horizontal grouped bar charts as standalone SVG,
// without a plotting library: a row per category with its full label on
// the left, one bar per series, values as percentages (0–100) printed at
// the bar ends, and the legend in its own band above the plot so it never
// covers a bar.
package barchart

import (
	"fmt"
	"html"
	"io"
	"strings"
)

// Chart is a grouped bar chart: Values[s][c] is series s for category c,
// a percentage in [0, 100].
type Chart struct {
	Title      string
	Categories []string // labels, one row each
	Series     []string // legend entries
	Values     [][]float64
	Width      int // pixels; at least MinWidth
}

// MinWidth is the narrowest chart drawn, wide enough to read long labels.
const MinWidth = 1200

var palette = []string{"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728"}

// Validate reports a chart that cannot be drawn.
func (c Chart) Validate() error {
	if len(c.Series) == 0 || len(c.Series) > len(palette) {
		return fmt.Errorf("barchart: %d series, want 1 to %d", len(c.Series), len(palette))
	}
	if len(c.Values) != len(c.Series) {
		return fmt.Errorf("barchart: %d value rows for %d series", len(c.Values), len(c.Series))
	}
	for s, row := range c.Values {
		if len(row) != len(c.Categories) {
			return fmt.Errorf("barchart: series %q has %d values for %d categories", c.Series[s], len(row), len(c.Categories))
		}
		for _, v := range row {
			if v < 0 || v > 100 || v != v {
				return fmt.Errorf("barchart: series %q has value %v outside 0–100", c.Series[s], v)
			}
		}
	}
	return nil
}

// WriteSVG draws c.
func WriteSVG(w io.Writer, c Chart) error {
	if err := c.Validate(); err != nil {
		return err
	}
	width := max(c.Width, MinWidth)
	const (
		top, legendH, rowGap, barH, labelChar = 40, 40, 14, 18, 7
		right, bottom                         = 60, 50
	)
	longest := 0
	for _, l := range c.Categories {
		longest = max(longest, len([]rune(l)))
	}
	left := min(20+longest*labelChar, width/2)
	maxChars := (left - 20) / labelChar
	plotW := width - left - right
	rowH := len(c.Series)*barH + rowGap
	plotTop := top + legendH
	height := plotTop + len(c.Categories)*rowH + bottom

	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="13">`+"\n", width, height, width, height)
	fmt.Fprintf(&b, `<rect width="%d" height="%d" fill="white"/>`+"\n", width, height)
	fmt.Fprintf(&b, `<text x="%d" y="24" font-size="16" font-weight="bold">%s</text>`+"\n", 20, html.EscapeString(c.Title))
	// Legend band: above the plot, never over a bar.
	x := left
	for s, name := range c.Series {
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="14" height="14" fill="%s"/>`, x, top+8, palette[s])
		fmt.Fprintf(&b, `<text x="%d" y="%d">%s</text>`+"\n", x+20, top+20, html.EscapeString(name))
		x += 40 + len(name)*labelChar
	}
	// Grid lines at every 25%.
	for p := 0; p <= 100; p += 25 {
		gx := left + plotW*p/100
		fmt.Fprintf(&b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#ddd"/>`, gx, plotTop, gx, height-bottom)
		fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="middle" fill="#555">%d%%</text>`+"\n", gx, height-bottom+18, p)
	}
	for ci, label := range c.Categories {
		y := plotTop + ci*rowH
		shown := label
		if r := []rune(label); len(r) > maxChars {
			shown = string(r[:max(1, maxChars-1)]) + "…"
		}
		fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="end"><title>%s</title>%s</text>`+"\n",
			left-8, y+len(c.Series)*barH/2+5, html.EscapeString(label), html.EscapeString(shown))
		for s := range c.Series {
			v := c.Values[s][ci]
			bw := int(float64(plotW) * v / 100)
			by := y + s*barH
			fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%d" height="%d" fill="%s"/>`, left, by, bw, barH-2, palette[s])
			fmt.Fprintf(&b, `<text x="%d" y="%d" fill="#333">%.1f%%</text>`+"\n", left+bw+4, by+barH-5, v)
		}
	}
	fmt.Fprintf(&b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#333"/>`+"\n", left, plotTop, left, height-bottom)
	b.WriteString("</svg>\n")
	_, err := io.WriteString(w, b.String())
	return err
}
