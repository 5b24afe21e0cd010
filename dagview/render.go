package dagview

import (
	"bufio"
	"fmt"
	"html"
	"io"
	"sort"
	"strconv"
	"strings"
)

// behaviorDash is the outline of a node by behavior.
var behaviorDash = map[string]string{
	"recompute": "7 3",
	"disable":   "2 3",
	"mixed":     "10 2 2 2",
}

func humanBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return strconv.FormatInt(n, 10) + " B"
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}

// tooltip is what hovering a box shows.
func (b *box) tooltip() string {
	var lines []string
	lines = append(lines, b.Name)
	st := b.Status
	if st == "" {
		st = "-"
	}
	beh := b.Behavior
	if beh == "" {
		beh = "-"
	}
	lines = append(lines, fmt.Sprintf("status: %s   behavior: %s   bytes: %d (%s)", st, beh, b.Bytes, humanBytes(b.Bytes)))
	if b.CacheKey != "" {
		lines = append(lines, "cache key: "+b.CacheKey)
	}
	for _, c := range b.Causes {
		lines = append(lines, "cause: "+c)
	}
	if len(b.Members) > 0 {
		const show = 20
		lines = append(lines, fmt.Sprintf("scan units (%d):", len(b.Members)))
		for i, m := range b.Members {
			if i == show {
				lines = append(lines, fmt.Sprintf("  … and %d more", len(b.Members)-show))
				break
			}
			lines = append(lines, "  "+m)
		}
	}
	if b.Critical {
		lines = append(lines, "on the critical path")
	}
	return strings.Join(lines, "\n")
}

func esc(s string) string { return html.EscapeString(s) }

// writeSVG draws d as one <svg> element. Every box is a <g class="node">
// carrying data-name, data-status and (collapsed) data-members; every edge
// a <path class="edge"> carrying data-from and data-to (box ids).
func writeSVG(w *bufio.Writer, d *drawing) {
	fmt.Fprintf(w, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="12">`+"\n",
		d.Width, d.Height, d.Width, d.Height)
	w.WriteString(`<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" fill="#607d8b"/></marker>` +
		`<marker id="arrow-critical" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="6" markerHeight="6" orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" fill="#6a1b9a"/></marker></defs>` + "\n")
	// Generation headers, above each band's first box (boxes are in name
	// order, so a band's first box is its top left one).
	seen := map[int]bool{}
	for _, b := range d.Boxes {
		if !seen[b.Gen] {
			seen[b.Gen] = true
			fmt.Fprintf(w, `<text class="gen" x="%d" y="%d" fill="#78909c">generation %d</text>`+"\n", b.X, margin+headerH-4, b.Gen)
		}
	}
	w.WriteString(`<g class="edges">` + "\n")
	for _, e := range d.Edges {
		x1, y1 := e.From.X+boxW, e.From.Y+boxH/2
		x2, y2 := e.To.X, e.To.Y+boxH/2
		mid := (x1 + x2) / 2
		cls, marker := "edge", "arrow"
		if e.Critical {
			cls, marker = "edge critical", "arrow-critical"
		}
		fmt.Fprintf(w, `<path class="%s" data-from="%s" data-to="%s" d="M %d %d C %d %d, %d %d, %d %d" marker-end="url(#%s)"/>`+"\n",
			cls, e.From.ID, e.To.ID, x1, y1, mid, y1, mid, y2, x2, y2, marker)
	}
	w.WriteString("</g>\n<g class=\"nodes\">\n")
	for _, b := range d.Boxes {
		cls := "node kind-" + cssName(b.Kind) + " status-" + cssName(b.Status) + " behavior-" + cssName(b.Behavior)
		if b.Critical {
			cls += " critical"
		}
		members := ""
		if len(b.Members) > 0 {
			members = ` data-members="` + esc(strings.Join(b.Members, "\n")) + `"`
		}
		fmt.Fprintf(w, `<g class="%s" id="%s" data-name="%s" data-status="%s"%s>`, cls, b.ID, esc(b.Name), esc(b.Status), members)
		fmt.Fprintf(w, `<title>%s</title>`, esc(b.tooltip()))
		rx := 3
		if b.Kind == KindScanUnit {
			rx = 12
		}
		stroke, width := "#37474f", 1.2
		if b.Critical {
			stroke, width = "#6a1b9a", 3
		}
		dash := ""
		if d, ok := behaviorDash[b.Behavior]; ok {
			dash = ` stroke-dasharray="` + d + `"`
		}
		opacity := ""
		if b.Behavior == "ignore" {
			opacity = ` fill-opacity="0.45"`
		}
		fmt.Fprintf(w, `<rect x="%d" y="%d" width="%d" height="%d" rx="%d" fill="%s"%s stroke="%s" stroke-width="%g"%s/>`,
			b.X, b.Y, boxW, boxH, rx, Colour(b.Status), opacity, stroke, width, dash)
		fmt.Fprintf(w, `<text x="%d" y="%d">%s</text></g>`+"\n", b.X+8, b.Y+boxH/2+4, esc(label(b.Label)))
	}
	w.WriteString("</g>\n</svg>\n")
}

// cssName turns a status or behavior into a class name part.
func cssName(s string) string {
	if s == "" {
		return "none"
	}
	return strings.ReplaceAll(s, " ", "-")
}

// SVG writes the graph as one standalone SVG document.
func SVG(w io.Writer, g Graph, opt Options) error {
	d, err := layout(g, opt)
	if err != nil {
		return err
	}
	bw := bufio.NewWriter(w)
	bw.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	writeSVG(bw, d)
	return bw.Flush()
}

const pageStyle = `body{font-family:sans-serif;margin:16px;color:#263238}
h1{font-size:18px;margin:0 0 4px}p{margin:2px 0 10px;font-size:13px}
.legend span{display:inline-block;margin-right:14px}
.legend i{display:inline-block;width:14px;height:12px;border:1px solid #37474f;margin-right:4px;vertical-align:middle}
.edge{fill:none;stroke:#90a4ae;stroke-width:1.2;stroke-opacity:.75}
.edge.critical{stroke:#6a1b9a;stroke-width:3;stroke-opacity:1}
.edge.hl{stroke:#0d47a1;stroke-width:2.5;stroke-opacity:1}
.node{cursor:default}.node:hover rect{stroke:#0d47a1;stroke-width:3}
.scroll{overflow:auto;border:1px solid #cfd8dc}`

// pageScript highlights the edges of the node under the pointer (inline;
// the page loads nothing).
const pageScript = `document.querySelectorAll('.node').forEach(function(n){
n.addEventListener('mouseenter',function(){document.querySelectorAll('.edge[data-from="'+n.id+'"],.edge[data-to="'+n.id+'"]').forEach(function(e){e.classList.add('hl')})});
n.addEventListener('mouseleave',function(){document.querySelectorAll('.edge.hl').forEach(function(e){e.classList.remove('hl')})});});`

// HTML writes one self-contained page: title, summary, legend and the SVG.
func HTML(w io.Writer, g Graph, opt Options) error {
	d, err := layout(g, opt)
	if err != nil {
		return err
	}
	bw := bufio.NewWriter(w)
	title := d.Title
	if title == "" {
		title = "deltaplan graph"
	}
	fmt.Fprintf(bw, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>%s</title><style>%s</style></head><body>\n", esc(title), pageStyle)
	fmt.Fprintf(bw, "<h1>%s</h1>\n", esc(title))
	info := fmt.Sprintf("%d nodes drawn in %d generations, %d edges", len(d.Boxes), d.Generations, len(d.Edges))
	if d.Collapsed > 0 {
		info += fmt.Sprintf("; %d scan units collapsed into boxes per table and consumers", d.Collapsed)
	}
	if d.Summary != "" {
		info = d.Summary + " — " + info
	}
	fmt.Fprintf(bw, "<p>%s. Hover a node for its causes, cache key and bytes.</p>\n<p class=\"legend\">", esc(info))
	for _, s := range []string{StatusFresh, StatusStale, StatusMissing, StatusNotAdmitted} {
		fmt.Fprintf(bw, `<span><i style="background:%s"></i>%s</span>`, Colour(s), s)
	}
	fmt.Fprintf(bw, `<span><i style="background:%s"></i>no status</span>`, Colour(""))
	bw.WriteString(`<span><i style="border-style:dashed"></i>recompute</span><span><i style="border-style:dotted"></i>disable</span>` +
		`<span><i style="opacity:.45;background:#9e9e9e"></i>ignore</span><span><i style="border:3px solid #6a1b9a"></i>critical path</span>` +
		`<span>rounded: scan unit, square: view</span></p>` + "\n<div class=\"scroll\">\n")
	writeSVG(bw, d)
	fmt.Fprintf(bw, "</div>\n<script>%s</script>\n</body></html>\n", pageScript)
	return bw.Flush()
}

// dotQuote quotes s as a DOT string.
func dotQuote(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`).Replace(s) + `"`
}

// DOT writes the graph for Graphviz: boxes filled by status, dashed by
// behavior, the critical path bold; generations as ranks.
func DOT(w io.Writer, g Graph, opt Options) error {
	d, err := layout(g, opt)
	if err != nil {
		return err
	}
	bw := bufio.NewWriter(w)
	bw.WriteString("digraph deltaplan {\n  rankdir=LR;\n  node [shape=box, style=\"filled\", fontname=\"sans-serif\", fontsize=10];\n")
	if d.Title != "" {
		fmt.Fprintf(bw, "  label=%s;\n  labelloc=t;\n", dotQuote(d.Title))
	}
	for _, b := range d.Boxes {
		style := "filled"
		if b.Kind == KindScanUnit {
			style += ",rounded"
		}
		switch b.Behavior {
		case "recompute":
			style += ",dashed"
		case "disable":
			style += ",dotted"
		}
		attrs := fmt.Sprintf("label=%s, fillcolor=%s, style=%s, tooltip=%s", dotQuote(label(b.Label)), dotQuote(Colour(b.Status)), dotQuote(style), dotQuote(b.tooltip()))
		if b.Critical {
			attrs += ", penwidth=3, color=\"#6a1b9a\""
		}
		fmt.Fprintf(bw, "  %s [%s];\n", dotQuote(b.Name), attrs)
	}
	for _, e := range d.Edges {
		attrs := ""
		if e.Critical {
			attrs = " [penwidth=3, color=\"#6a1b9a\"]"
		}
		fmt.Fprintf(bw, "  %s -> %s%s;\n", dotQuote(e.From.Name), dotQuote(e.To.Name), attrs)
	}
	// Same rank per generation, in generation order.
	byGen := map[int][]string{}
	for _, b := range d.Boxes {
		byGen[b.Gen] = append(byGen[b.Gen], dotQuote(b.Name))
	}
	gens := make([]int, 0, len(byGen))
	for k := range byGen {
		gens = append(gens, k)
	}
	sort.Ints(gens)
	for _, k := range gens {
		fmt.Fprintf(bw, "  { rank=same; %s; }\n", strings.Join(byGen[k], "; "))
	}
	bw.WriteString("}\n")
	return bw.Flush()
}
