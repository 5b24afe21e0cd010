package main

import (
	"fmt"
	"io"
	"runtime/debug"

	"github.com/spf13/cobra"

	"github.com/deltaplan/deltaplan/cachekey"
	"github.com/deltaplan/deltaplan/identity"
	"github.com/deltaplan/deltaplan/ledger"
	"github.com/deltaplan/deltaplan/planbundle"
	"github.com/deltaplan/deltaplan/workflow"
)

// versionInfo is `deltaplan version --json`: the build (from the binary's
// embedded build information) and the versions of every format deltaplan
// writes, read from the packages that own them.
type versionInfo struct {
	Version   string `json:"version"`            // module version, "(devel)" for a source build
	Revision  string `json:"revision,omitempty"` // VCS revision the binary was built from
	Time      string `json:"vcs_time,omitempty"` // commit time of that revision
	Modified  bool   `json:"vcs_modified"`       // built from a tree with uncommitted changes
	GoVersion string `json:"go_version"`         // toolchain
	Formats   struct {
		Bundle    int `json:"bundle_version"`
		Encoding  int `json:"encoding_version"`
		Schedule  int `json:"schedule_version"`
		CacheKey  int `json:"cache_key_version"`
		LedgerSQL int `json:"ledger_schema_version"`
	} `json:"formats"`
}

// readBuildInfo is a variable so tests can supply build information (test
// binaries carry no VCS settings).
var readBuildInfo = debug.ReadBuildInfo

func currentVersion() versionInfo {
	v := versionInfo{Version: "(devel)"}
	if bi, ok := readBuildInfo(); ok {
		if bi.Main.Version != "" {
			v.Version = bi.Main.Version
		}
		v.GoVersion = bi.GoVersion
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				v.Revision = s.Value
			case "vcs.time":
				v.Time = s.Value
			case "vcs.modified":
				v.Modified = s.Value == "true"
			}
		}
	}
	v.Formats.Bundle = planbundle.Version
	v.Formats.Encoding = identity.EncodingVersion
	v.Formats.Schedule = workflow.ScheduleVersion
	v.Formats.CacheKey = cachekey.Version
	v.Formats.LedgerSQL = ledger.SchemaVersion
	return v
}

// text is the one-line form `deltaplan --version` prints too.
func (v versionInfo) text() string {
	s := "deltaplan " + v.Version
	if v.Revision != "" {
		rev := v.Revision
		if len(rev) > 12 {
			rev = rev[:12]
		}
		s += " (" + rev
		if v.Modified {
			s += ", modified"
		}
		if v.Time != "" {
			s += ", " + v.Time
		}
		s += ")"
	}
	return fmt.Sprintf("%s\nbundle %d, encoding %d, schedule %d, cache key %d, ledger schema %d\n", s,
		v.Formats.Bundle, v.Formats.Encoding, v.Formats.Schedule, v.Formats.CacheKey, v.Formats.LedgerSQL)
}

func init() {
	register(func() *cobra.Command {
		c := &cobra.Command{
			Use:     "version",
			Short:   "Print the deltaplan version, its VCS revision and the versions of the formats it writes",
			Example: "  deltaplan version\n  deltaplan version --json\n  deltaplan --version",
			Args:    cobra.NoArgs,
			RunE: func(cmd *cobra.Command, _ []string) error {
				v := currentVersion()
				return outputOf(cmd).Value(v, func(w io.Writer) error {
					_, err := io.WriteString(w, v.text())
					return err
				})
			},
		}
		c.Flags().Bool("json", false, "print the build and format versions as one JSON document")
		return c
	})
}
