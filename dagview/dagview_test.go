package dagview

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"math/rand"
	"sort"
	"strings"
	"testing"

	"github.com/deltaplan/deltaplan/kernel"
)

// svgDoc is the part of the drawing the tests read back.
type svgDoc struct {
	Width  int        `xml:"width,attr"`
	Height int        `xml:"height,attr"`
	Groups []svgGroup `xml:"g"`
}

type svgGroup struct {
	Class string    `xml:"class,attr"`
	Paths []svgPath `xml:"path"`
	Nodes []svgNode `xml:"g"`
}

type svgPath struct {
	Class string `xml:"class,attr"`
	From  string `xml:"data-from,attr"`
	To    string `xml:"data-to,attr"`
}

type svgNode struct {
	Class   string `xml:"class,attr"`
	ID      string `xml:"id,attr"`
	Name    string `xml:"data-name,attr"`
	Status  string `xml:"data-status,attr"`
	Members string `xml:"data-members,attr"`
	Title   string `xml:"title"`
	Rect    struct {
		Fill string `xml:"fill,attr"`
		X    int    `xml:"x,attr"`
		Y    int    `xml:"y,attr"`
	} `xml:"rect"`
}

// parsed is a drawing read back from its SVG.
type parsed struct {
	doc   svgDoc
	nodes []svgNode
	edges []svgPath
	byID  map[string]svgNode
}

func parseSVG(t *testing.T, g Graph, opt Options) parsed {
	t.Helper()
	var buf bytes.Buffer
	if err := SVG(&buf, g, opt); err != nil {
		t.Fatal(err)
	}
	var p parsed
	if err := xml.Unmarshal(buf.Bytes(), &p.doc); err != nil {
		t.Fatalf("SVG does not parse: %v", err)
	}
	p.byID = map[string]svgNode{}
	for _, gr := range p.doc.Groups {
		switch gr.Class {
		case "edges":
			p.edges = gr.Paths
		case "nodes":
			p.nodes = gr.Nodes
			for _, n := range gr.Nodes {
				if _, dup := p.byID[n.ID]; dup {
					t.Fatalf("id %s drawn twice", n.ID)
				}
				p.byID[n.ID] = n
			}
		}
	}
	return p
}

// drawnAs maps every input node to the drawn node holding it, failing when
// a node is drawn twice or not at all.
func (p parsed) drawnAs(t *testing.T, g Graph) map[string]svgNode {
	t.Helper()
	at := map[string]svgNode{}
	add := func(name string, n svgNode) {
		if prev, dup := at[name]; dup {
			t.Errorf("node %s drawn twice (%s and %s)", name, prev.ID, n.ID)
		}
		at[name] = n
	}
	for _, n := range p.nodes {
		if n.Members != "" {
			for _, m := range strings.Split(n.Members, "\n") {
				add(m, n)
			}
			continue
		}
		add(n.Name, n)
	}
	for _, n := range g.Nodes {
		if _, ok := at[n.Name]; !ok {
			t.Errorf("node %s not drawn", n.Name)
		}
	}
	if len(at) != len(g.Nodes) {
		t.Errorf("%d names drawn, %d nodes given", len(at), len(g.Nodes))
	}
	return at
}

// example is a small schedule-shaped graph with every status and behavior.
func example() Graph {
	return Graph{
		Title: "example",
		Nodes: []Node{
			{Name: "scan:sales:aa", Kind: KindScanUnit, Status: StatusFresh, Behavior: "default", Bytes: 100, Group: "scan:sales", CacheKey: "dpk1.sha256.x", Causes: []string{"cache hit"}},
			{Name: "scan:sales:bb", Kind: KindScanUnit, Status: StatusStale, Behavior: "default", Bytes: 300, Group: "scan:sales"},
			{Name: "scan:sales:cc", Kind: KindScanUnit, Status: StatusNotAdmitted, Behavior: "default", Bytes: 50, Group: "scan:sales"},
			{Name: "view:a", Kind: KindView, Status: StatusStale, Behavior: "recompute", Causes: []string{"behavior: recompute"}},
			{Name: "view:b", Kind: KindView, Status: StatusMissing, Behavior: "disable"},
			{Name: "view:c", Kind: KindView, Status: StatusFresh, Behavior: "ignore"},
			{Name: "view:<d&e>", Kind: KindView, Status: "", Behavior: ""},
		},
		Edges: [][2]string{
			{"scan:sales:aa", "view:a"}, {"scan:sales:bb", "view:a"}, {"scan:sales:bb", "view:b"},
			{"view:a", "view:c"}, {"view:b", "view:c"}, {"scan:sales:cc", "view:<d&e>"},
		},
		CriticalPath: []string{"scan:sales:bb", "view:a", "view:c"},
	}
}

func TestSVGDrawsTheGraph(t *testing.T) {
	g := example()
	p := parseSVG(t, g, Options{})
	at := p.drawnAs(t, g)
	// Colours and statuses.
	for _, n := range g.Nodes {
		d := at[n.Name]
		if d.Status != n.Status {
			t.Errorf("%s: data-status %q, want %q", n.Name, d.Status, n.Status)
		}
		if d.Rect.Fill != Colour(n.Status) {
			t.Errorf("%s: fill %s, want %s (status %q)", n.Name, d.Rect.Fill, Colour(n.Status), n.Status)
		}
		if !strings.Contains(d.Class, "status-"+cssName(n.Status)) || !strings.Contains(d.Class, "behavior-"+cssName(n.Behavior)) {
			t.Errorf("%s: class %q lacks its status or behavior", n.Name, d.Class)
		}
	}
	// Edges: exactly the given ones, between the right nodes.
	var got, want []string
	for _, e := range p.edges {
		got = append(got, p.byID[e.From].Name+" -> "+p.byID[e.To].Name)
	}
	for _, e := range g.Edges {
		want = append(want, e[0]+" -> "+e[1])
	}
	sort.Strings(got)
	sort.Strings(want)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("edges:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// Critical path: its nodes and its edges, nothing else.
	crit := map[string]bool{"scan:sales:bb": true, "view:a": true, "view:c": true}
	for _, n := range p.nodes {
		if strings.Contains(n.Class, "critical") != crit[n.Name] {
			t.Errorf("%s: critical class %v, want %v", n.Name, strings.Contains(n.Class, "critical"), crit[n.Name])
		}
	}
	var critEdges []string
	for _, e := range p.edges {
		if strings.Contains(e.Class, "critical") {
			critEdges = append(critEdges, p.byID[e.From].Name+" -> "+p.byID[e.To].Name)
		}
	}
	if strings.Join(critEdges, ", ") != "scan:sales:bb -> view:a, view:a -> view:c" {
		t.Errorf("critical edges %v", critEdges)
	}
	// Hover text: causes, cache key and bytes.
	tip := at["scan:sales:aa"].Title
	for _, s := range []string{"cache hit", "dpk1.sha256.x", "bytes: 100"} {
		if !strings.Contains(tip, s) {
			t.Errorf("tooltip %q lacks %q", tip, s)
		}
	}
	// Generations left to right: every edge points right.
	for _, e := range p.edges {
		if p.byID[e.From].Rect.X >= p.byID[e.To].Rect.X {
			t.Errorf("edge %s -> %s does not point right", p.byID[e.From].Name, p.byID[e.To].Name)
		}
	}
}

// TestGenerationsAgreeWithKernel compares the drawing's generations with
// kernel.Graph.Generations (an independent implementation) on random DAGs.
func TestGenerationsAgreeWithKernel(t *testing.T) {
	rng := rand.New(rand.NewSource(7))
	for trial := 0; trial < 50; trial++ {
		n := 2 + rng.Intn(30)
		var g Graph
		var names []string
		for i := 0; i < n; i++ {
			names = append(names, fmt.Sprintf("n%02d", i))
			g.Nodes = append(g.Nodes, Node{Name: names[i]})
		}
		var kedges []kernel.Edge
		for i := 0; i < n; i++ {
			for j := i + 1; j < n; j++ {
				if rng.Intn(5) == 0 {
					g.Edges = append(g.Edges, [2]string{names[i], names[j]})
					kedges = append(kedges, kernel.Edge{From: names[i], To: names[j], Weight: 1})
				}
			}
		}
		d, err := layout(g, Options{CollapseAbove: -1})
		if err != nil {
			t.Fatal(err)
		}
		kg, err := kernel.New(names, kedges)
		if err != nil {
			t.Fatal(err)
		}
		gens, err := kg.Generations()
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]int{}
		for i, gen := range gens {
			for _, name := range gen {
				want[name] = i
			}
		}
		for _, b := range d.Boxes {
			if b.Gen != want[b.Name] {
				t.Fatalf("trial %d: %s in generation %d, kernel says %d", trial, b.Name, b.Gen, want[b.Name])
			}
		}
	}
}

// thousandViews is a workflow-shaped graph: tables × units feeding views,
// views reading earlier views.
func thousandViews(views, unitsPerView int) Graph {
	var g Graph
	for v := 0; v < views; v++ {
		view := fmt.Sprintf("view:v%04d", v)
		g.Nodes = append(g.Nodes, Node{Name: view, Kind: KindView, Status: []string{StatusFresh, StatusStale, StatusMissing}[v%3]})
		table := fmt.Sprintf("t%d", v%7)
		for u := 0; u < unitsPerView; u++ {
			unit := fmt.Sprintf("scan:%s:%04d%02d", table, v, u)
			g.Nodes = append(g.Nodes, Node{Name: unit, Kind: KindScanUnit, Status: StatusFresh, Bytes: 1 << 20, Group: "scan:" + table})
			g.Edges = append(g.Edges, [2]string{unit, view})
		}
		if v >= 10 {
			g.Edges = append(g.Edges, [2]string{fmt.Sprintf("view:v%04d", v/10), view})
		}
	}
	g.CriticalPath = []string{"scan:t0:000000", "view:v0000"}
	return g
}

func TestThousandViewsStayReadable(t *testing.T) {
	g := thousandViews(1000, 5)
	p := parseSVG(t, g, Options{})
	at := p.drawnAs(t, g) // every scan unit once, inside its view's box
	if len(p.nodes) != 2000 {
		t.Errorf("%d boxes for 1000 views with 5 units each, want 2000 (units collapsed per view)", len(p.nodes))
	}
	// Every edge is drawn between the boxes holding its ends.
	drawn := map[string]bool{}
	for _, e := range p.edges {
		drawn[e.From+">"+e.To] = true
	}
	for _, e := range g.Edges {
		if !drawn[at[e[0]].ID+">"+at[e[1]].ID] {
			t.Fatalf("edge %s -> %s not drawn", e[0], e[1])
		}
	}
	// A collapsed box is coloured by its members' worst status.
	// Tall generations wrap: the page is at most 40 rows high.
	if max := 2*margin + headerH + 40*(boxH+rowGap); p.doc.Height > max {
		t.Errorf("height %d > %d", p.doc.Height, max)
	}
	if !strings.Contains(at["scan:t0:000000"].Title, "5 scan units") && !strings.Contains(at["scan:t0:000000"].Title, "scan units (5)") {
		t.Errorf("collapsed tooltip %q does not count its units", at["scan:t0:000000"].Title)
	}
}

func TestCollapsedStatusIsTheWorst(t *testing.T) {
	g := Graph{Nodes: []Node{
		{Name: "u1", Kind: KindScanUnit, Group: "t", Status: StatusFresh},
		{Name: "u2", Kind: KindScanUnit, Group: "t", Status: StatusMissing},
		{Name: "u3", Kind: KindScanUnit, Group: "t", Status: StatusStale},
		{Name: "v", Kind: KindView, Status: StatusFresh},
	}, Edges: [][2]string{{"u1", "v"}, {"u2", "v"}, {"u3", "v"}}}
	p := parseSVG(t, g, Options{CollapseAbove: 1})
	at := p.drawnAs(t, g)
	if b := at["u1"]; b.Status != StatusMissing || b.Rect.Fill != Colour(StatusMissing) {
		t.Errorf("collapsed box status %q fill %s, want missing", b.Status, b.Rect.Fill)
	}
	if len(p.edges) != 1 {
		t.Errorf("%d edges, want 1 (three unit edges merge)", len(p.edges))
	}
}

func TestInvalidGraphs(t *testing.T) {
	cases := []struct {
		name string
		g    Graph
		want error
	}{
		{"should refuse a cycle", Graph{Nodes: []Node{{Name: "a"}, {Name: "b"}}, Edges: [][2]string{{"a", "b"}, {"b", "a"}}}, ErrCycle},
		{"should refuse an edge to nowhere", Graph{Nodes: []Node{{Name: "a"}}, Edges: [][2]string{{"a", "b"}}}, ErrInput},
		{"should refuse a node listed twice", Graph{Nodes: []Node{{Name: "a"}, {Name: "a"}}}, ErrInput},
		{"should refuse a critical path through an unknown node", Graph{Nodes: []Node{{Name: "a"}}, CriticalPath: []string{"z"}}, ErrInput},
	}
	for _, c := range cases {
		var buf bytes.Buffer
		if err := HTML(&buf, c.g, Options{}); !errors.Is(err, c.want) {
			t.Errorf("%s: got %v, want %v", c.name, err, c.want)
		}
	}
}

func TestHTMLIsSelfContained(t *testing.T) {
	var buf bytes.Buffer
	if err := HTML(&buf, example(), Options{}); err != nil {
		t.Fatal(err)
	}
	page := buf.String()
	// The SVG namespace is a name, not a fetch; nothing else may point
	// outside the page.
	rest := strings.ReplaceAll(page, `xmlns="http://www.w3.org/2000/svg"`, "")
	for _, bad := range []string{"http://", "https://", "<link", " src=", "@import", "url(http"} {
		if strings.Contains(rest, bad) {
			t.Errorf("page contains %q", bad)
		}
	}
	if !strings.Contains(page, "view:&lt;d&amp;e&gt;") {
		t.Error("names are not escaped")
	}
	for _, s := range []string{StatusFresh, StatusStale, StatusMissing, "critical path"} {
		if !strings.Contains(page, s) {
			t.Errorf("legend lacks %q", s)
		}
	}
}

func TestDOT(t *testing.T) {
	g := example()
	var buf bytes.Buffer
	if err := DOT(&buf, g, Options{}); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, n := range g.Nodes {
		decl := fmt.Sprintf("  %s [label=", dotQuote(n.Name))
		if c := strings.Count(out, decl); c != 1 {
			t.Errorf("%s declared %d times", n.Name, c)
		}
		if !strings.Contains(out, decl) || !strings.Contains(out[strings.Index(out, decl):], fmt.Sprintf("fillcolor=%q", Colour(n.Status))) {
			t.Errorf("%s lacks its colour", n.Name)
		}
	}
	for _, e := range g.Edges {
		if !strings.Contains(out, dotQuote(e[0])+" -> "+dotQuote(e[1])) {
			t.Errorf("edge %v missing", e)
		}
	}
	if c := strings.Count(out, "->"); c != len(g.Edges) {
		t.Errorf("%d edges, want %d", c, len(g.Edges))
	}
}

func BenchmarkHTML(b *testing.B) {
	for _, views := range []int{100, 1000} {
		g := thousandViews(views, 5)
		b.Run(fmt.Sprintf("views=%d", views), func(b *testing.B) {
			b.ReportAllocs()
			var buf bytes.Buffer
			for i := 0; i < b.N; i++ {
				buf.Reset()
				if err := HTML(&buf, g, Options{}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(buf.Len()), "bytes/page")
		})
	}
}
