package barchart

import (
	"bytes"
	"encoding/xml"
	"strings"
	"testing"
)

func TestWriteSVG(t *testing.T) {
	c := Chart{Title: "Share kept", Categories: []string{"a = 1", "b < 'x' AND c IS NULL"}, Series: []string{"files", "bytes"},
		Values: [][]float64{{50, 100}, {25, 0}}}
	var buf bytes.Buffer
	if err := WriteSVG(&buf, c); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	// Well-formed XML, at least MinWidth wide, every label and series named.
	dec := xml.NewDecoder(strings.NewReader(out))
	for {
		if _, err := dec.Token(); err != nil {
			if err.Error() != "EOF" {
				t.Fatalf("not well-formed: %v", err)
			}
			break
		}
	}
	for _, want := range []string{`width="1200"`, "a = 1", "b &lt; &#39;x&#39; AND c IS NULL", ">files<", ">bytes<", "50.0%"} {
		if !strings.Contains(out, want) {
			t.Errorf("SVG lacks %q", want)
		}
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		c   Chart
		why string
	}{
		{Chart{Categories: []string{"a"}, Series: []string{"s"}, Values: [][]float64{{101}}}, "above 100%"},
		{Chart{Categories: []string{"a"}, Series: []string{"s"}, Values: [][]float64{{}}}, "missing value"},
		{Chart{Categories: []string{"a"}}, "no series"},
	}
	for _, tc := range tests {
		if err := tc.c.Validate(); err == nil {
			t.Errorf("Validate accepted a chart with %s", tc.why)
		}
	}
}
