// Package dagview draws a task graph for people: one self-contained HTML
// page with an inline SVG (no scripts or fonts fetched from anywhere), or
// Graphviz DOT. Nodes are placed by topological generation (left to
// right), coloured by status (fresh, stale, missing) and outlined by
// behavior; the critical path is drawn thick; hovering a node shows its
// causes, cache key and bytes. Large graphs stay readable: scan units of
// one table feeding the same views are drawn as one node, and tall
// generations wrap into several columns.
//
// The package knows nothing of workflows or files: callers fill a Graph.
package dagview

import (
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// Statuses with a colour of their own; any other status (or none) is drawn
// in the neutral colour.
const (
	StatusFresh       = "fresh"
	StatusStale       = "stale"
	StatusMissing     = "missing"
	StatusNotAdmitted = "not admitted"
)

// Kinds of node; scan units may be collapsed.
const (
	KindScanUnit = "scan_unit"
	KindView     = "view"
)

// ErrCycle: the edges do not form a DAG.
var ErrCycle = errors.New("dagview: the graph has a cycle")

// ErrInput: an edge names an unknown node, or a node is listed twice.
var ErrInput = errors.New("dagview: invalid graph")

// Colours by status (fill) — also the legend.
var statusColours = map[string]string{
	StatusFresh:       "#66bb6a",
	StatusStale:       "#ffa726",
	StatusMissing:     "#ef5350",
	StatusNotAdmitted: "#e0e0e0",
	"":                "#90caf9",
}

// Colour returns the fill colour of a status.
func Colour(status string) string {
	if c, ok := statusColours[status]; ok {
		return c
	}
	return statusColours[""]
}

// Node is one task.
type Node struct {
	Name     string
	Kind     string // KindScanUnit, KindView or anything else
	Status   string // StatusFresh, StatusStale, StatusMissing, StatusNotAdmitted or ""
	Behavior string // default, recompute, disable, ignore (or "")
	Bytes    int64
	CacheKey string
	// Causes are shown on hover, one per line (why the status).
	Causes []string
	// Group collapses scan units: units with the same Group and the same
	// successors are drawn as one node when the graph is large. "" never
	// collapses.
	Group string
}

// Graph is what is drawn. Edges should be the transitive reduction (every
// edge is drawn); CriticalPath lists node names in order.
type Graph struct {
	Title        string
	Summary      string // one line under the title
	Nodes        []Node
	Edges        [][2]string
	CriticalPath []string
}

// Options tune the drawing; the zero value is the default.
type Options struct {
	// CollapseAbove collapses scan units when the graph has more nodes
	// than this (default 150; negative: never; to always collapse use 1).
	CollapseAbove int
	// RowsPerColumn wraps a generation taller than this into several
	// columns (default 40).
	RowsPerColumn int
}

func (o Options) collapseAbove() int {
	if o.CollapseAbove == 0 {
		return 150
	}
	return o.CollapseAbove
}

func (o Options) rows() int {
	if o.RowsPerColumn <= 0 {
		return 40
	}
	return o.RowsPerColumn
}

// box is one drawn node: a node, or several collapsed scan units.
type box struct {
	ID       string // n0, n1, ... in name order
	Name     string
	Label    string
	Kind     string
	Status   string
	Behavior string
	Bytes    int64
	CacheKey string
	Causes   []string
	Members  []string // collapsed scan units, sorted; nil for a single node
	// consumers are a collapsed box's successors (sorted), for its label.
	consumers []string
	Gen       int
	Critical  bool
	X, Y      int
}

// drawing is a laid-out graph.
type drawing struct {
	Title, Summary string
	Boxes          []*box
	Edges          []drawnEdge
	Width, Height  int
	Generations    int
	Collapsed      int // scan units drawn inside group boxes
}

type drawnEdge struct {
	From, To *box
	Critical bool
}

// Geometry (pixels).
const (
	boxW, boxH = 230, 26
	rowGap     = 8
	colGap     = 90
	subColGap  = 24
	margin     = 20
	headerH    = 18
	labelChars = 32
)

// layout validates g, collapses scan units when it is large, computes
// generations and positions.
func layout(g Graph, opt Options) (*drawing, error) {
	index := map[string]int{}
	for i, n := range g.Nodes {
		if _, dup := index[n.Name]; dup {
			return nil, fmt.Errorf("%w: node %q listed twice", ErrInput, n.Name)
		}
		index[n.Name] = i
	}
	succ := make([][]string, len(g.Nodes))
	for _, e := range g.Edges {
		a, ok1 := index[e[0]]
		_, ok2 := index[e[1]]
		if !ok1 || !ok2 {
			return nil, fmt.Errorf("%w: edge %s -> %s names an unknown node", ErrInput, e[0], e[1])
		}
		succ[a] = append(succ[a], e[1])
	}
	// Which box each node is drawn in.
	boxOf := make([]*box, len(g.Nodes))
	var boxes []*box
	collapse := opt.collapseAbove() >= 0 && len(g.Nodes) > opt.collapseAbove()
	groups := map[string]*box{}
	for i, n := range g.Nodes {
		if collapse && n.Kind == KindScanUnit && n.Group != "" {
			s := append([]string{}, succ[i]...)
			sort.Strings(s)
			key := n.Group + "\x00" + strings.Join(s, "\x00")
			b, ok := groups[key]
			if !ok {
				b = &box{Kind: KindScanUnit, Behavior: n.Behavior, consumers: s}
				groups[key] = b
				boxes = append(boxes, b)
			}
			b.Members = append(b.Members, n.Name)
			b.Bytes += n.Bytes
			b.Status = worse(b.Status, n.Status, len(b.Members) == 1)
			if b.Behavior != n.Behavior {
				b.Behavior = "mixed"
			}
			boxOf[i] = b
			continue
		}
		b := &box{Name: n.Name, Label: n.Name, Kind: n.Kind, Status: n.Status, Behavior: n.Behavior,
			Bytes: n.Bytes, CacheKey: n.CacheKey, Causes: n.Causes}
		boxes = append(boxes, b)
		boxOf[i] = b
	}
	d := &drawing{Title: g.Title, Summary: g.Summary}
	for key, b := range groups {
		group, _, _ := strings.Cut(key, "\x00")
		sort.Strings(b.Members)
		if len(b.Members) == 1 {
			// A group of one is the node itself.
			n := g.Nodes[index[b.Members[0]]]
			*b = box{Name: n.Name, Label: n.Name, Kind: n.Kind, Status: n.Status, Behavior: n.Behavior,
				Bytes: n.Bytes, CacheKey: n.CacheKey, Causes: n.Causes}
			continue
		}
		d.Collapsed += len(b.Members)
		b.Name = fmt.Sprintf("%s [%d scan units from %s]", group, len(b.Members), b.Members[0])
		// The label says whose units these are: a generation may hold
		// many groups of one table.
		to := "no consumer"
		if len(b.consumers) > 0 {
			to = strings.TrimPrefix(b.consumers[0], "view:")
			if len(b.consumers) > 1 {
				to += fmt.Sprintf(" +%d", len(b.consumers)-1)
			}
		}
		b.Label = fmt.Sprintf("%d× %s → %s", len(b.Members), strings.TrimPrefix(group, "scan:"), to)
		counts := map[string]int{}
		for _, m := range b.Members {
			counts[g.Nodes[index[m]].Status]++
		}
		var parts []string
		for _, s := range []string{StatusMissing, StatusStale, StatusFresh, StatusNotAdmitted, ""} {
			if counts[s] > 0 {
				name := s
				if name == "" {
					name = "no status"
				}
				parts = append(parts, fmt.Sprintf("%d %s", counts[s], name))
			}
		}
		b.Causes = append(b.Causes, "collapsed: "+strings.Join(parts, ", "))
	}
	sort.Slice(boxes, func(i, j int) bool { return boxes[i].Name < boxes[j].Name })
	for i, b := range boxes {
		b.ID = "n" + strconv.Itoa(i)
	}
	// Edges between boxes, deduplicated, in box order.
	seen := map[[2]*box]bool{}
	for _, e := range g.Edges {
		a, b := boxOf[index[e[0]]], boxOf[index[e[1]]]
		if a == b || seen[[2]*box{a, b}] {
			continue
		}
		seen[[2]*box{a, b}] = true
		d.Edges = append(d.Edges, drawnEdge{From: a, To: b})
	}
	sort.Slice(d.Edges, func(i, j int) bool {
		if d.Edges[i].From.ID != d.Edges[j].From.ID {
			return d.Edges[i].From.Name < d.Edges[j].From.Name
		}
		return d.Edges[i].To.Name < d.Edges[j].To.Name
	})
	// Critical path: its boxes and the edges between consecutive ones.
	var crit []*box
	for _, name := range g.CriticalPath {
		i, ok := index[name]
		if !ok {
			return nil, fmt.Errorf("%w: critical path names unknown node %q", ErrInput, name)
		}
		if b := boxOf[i]; len(crit) == 0 || crit[len(crit)-1] != b {
			crit = append(crit, b)
		}
	}
	critEdge := map[[2]*box]bool{}
	for i, b := range crit {
		b.Critical = true
		if i > 0 {
			critEdge[[2]*box{crit[i-1], b}] = true
		}
	}
	for i := range d.Edges {
		d.Edges[i].Critical = critEdge[[2]*box{d.Edges[i].From, d.Edges[i].To}]
	}
	if err := generations(boxes, d.Edges); err != nil {
		return nil, err
	}
	d.Boxes = boxes
	place(d, opt.rows())
	return d, nil
}

// worse keeps the status that asks more attention: missing, stale, then
// anything else, then fresh.
func worse(a, b string, first bool) string {
	if first {
		return b
	}
	rank := func(s string) int {
		switch s {
		case StatusMissing:
			return 3
		case StatusStale:
			return 2
		case StatusFresh:
			return 0
		}
		return 1
	}
	if rank(b) > rank(a) {
		return b
	}
	return a
}

// generations sets each box's topological generation: 0 for boxes without
// predecessors, else one more than the latest predecessor (Kahn).
func generations(boxes []*box, edges []drawnEdge) error {
	indeg := map[*box]int{}
	out := map[*box][]*box{}
	for _, e := range edges {
		indeg[e.To]++
		out[e.From] = append(out[e.From], e.To)
	}
	var queue []*box
	for _, b := range boxes {
		b.Gen = 0
		if indeg[b] == 0 {
			queue = append(queue, b)
		}
	}
	done := 0
	for len(queue) > 0 {
		b := queue[0]
		queue = queue[1:]
		done++
		for _, s := range out[b] {
			s.Gen = max(s.Gen, b.Gen+1)
			if indeg[s]--; indeg[s] == 0 {
				queue = append(queue, s)
			}
		}
	}
	if done != len(boxes) {
		var left []string
		for _, b := range boxes {
			if indeg[b] > 0 {
				left = append(left, b.Name)
			}
		}
		return fmt.Errorf("%w among %s", ErrCycle, strings.Join(left, ", "))
	}
	return nil
}

// place positions the boxes: one band of columns per generation, boxes in
// name order top to bottom, wrapping after rows boxes.
func place(d *drawing, rows int) {
	byGen := map[int][]*box{}
	maxGen := -1
	for _, b := range d.Boxes {
		byGen[b.Gen] = append(byGen[b.Gen], b)
		maxGen = max(maxGen, b.Gen)
	}
	d.Generations = maxGen + 1
	x := margin
	tallest := 0
	for g := 0; g <= maxGen; g++ {
		bs := byGen[g] // already in name order
		cols := (len(bs) + rows - 1) / rows
		for i, b := range bs {
			col, row := i/rows, i%rows
			b.X = x + col*(boxW+subColGap)
			b.Y = margin + headerH + row*(boxH+rowGap)
		}
		tallest = max(tallest, min(len(bs), rows))
		x += cols*(boxW+subColGap) - subColGap + colGap
	}
	d.Width = max(x-colGap+margin, 2*margin+boxW)
	d.Height = margin*2 + headerH + tallest*(boxH+rowGap)
}

// label shortens a box label to fit its box.
func label(s string) string {
	r := []rune(s)
	if len(r) <= labelChars {
		return s
	}
	return string(r[:labelChars-1]) + "…"
}
