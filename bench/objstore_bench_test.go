package bench_test

import (
	"context"
	"testing"
	"time"

	"github.com/deltaplan/deltaplan/bench/deltagen"
	"github.com/deltaplan/deltaplan/delta"
	"github.com/deltaplan/deltaplan/objstore"
	"github.com/deltaplan/deltaplan/objstore/objstoretest"
	"github.com/deltaplan/deltaplan/storage"
)

// objstoreLatency is the round trip the proxy adds to every request.
const objstoreLatency = 25 * time.Millisecond

// BenchmarkObjstoreSnapshot loads a 1,000-commit log without a checkpoint
// from the S3 server (scripts/stores) through a loopback proxy that adds
// 25 ms to every request: with the reader's concurrent commit fetches (the
// default) and one GET after another. It reports requests, bytes and wall time per load.
func BenchmarkObjstoreSnapshot(b *testing.B) {
	srv := objstoretest.Require(b)
	ctx := context.Background()
	dir, res := deltaGenerated(b, "json-1000-commits", func(d string) (deltagen.Result, error) {
		return deltagen.GenerateJSON(d, deltagen.Spec{Files: 1000, Commits: 1000, StatsColumns: 5})
	})
	bucket := srv.NewS3Bucket(b, ctx)
	if err := objstoretest.UploadDir(ctx, bucket, dir, "t", func(rel string) bool { return rel != ".complete" }); err != nil {
		b.Fatal(err)
	}
	proxy := objstoretest.NewProxy(b, srv.S3Endpoint)
	proxy.Delay = objstoreLatency
	srv.UseS3(b, proxy.URL)
	uri := "s3://" + bucket.Name + "/t"
	for _, c := range []struct {
		name string
		opts []objstore.Option
	}{
		{"commits=1000/concurrent", nil},
		{"commits=1000/sequential", []objstore.Option{objstore.WithMaxInFlight(1)}},
	} {
		b.Run(c.name, func(b *testing.B) {
			var reqs, bytes int64
			var wall time.Duration
			for b.Loop() {
				proxy.Reset()
				start := time.Now()
				l, err := storage.Parse(uri)
				if err != nil {
					b.Fatal(err)
				}
				st, err := objstore.Open(ctx, l.Object, c.opts...)
				if err != nil {
					b.Fatal(err)
				}
				tbl, err := delta.Open(ctx, st, st.URI())
				if err != nil {
					b.Fatal(err)
				}
				s, err := tbl.Snapshot(ctx)
				if err != nil {
					b.Fatal(err)
				}
				if s.Version != res.Version || s.Files.Len() != res.ActiveFiles {
					b.Fatalf("snapshot version %d with %d files, want %d with %d", s.Version, s.Files.Len(), res.Version, res.ActiveFiles)
				}
				wall += time.Since(start)
				reqs += proxy.Requests()
				bytes += proxy.Bytes()
			}
			n := float64(b.N)
			b.ReportMetric(float64(reqs)/n, "requests/op")
			b.ReportMetric(float64(bytes)/n, "bytes/op")
			b.ReportMetric(wall.Seconds()/n, "wall-s/op")
			b.Logf("%s: %d requests, %d bytes, %s per load (%s per request added)", c.name, reqs/int64(b.N), bytes/int64(b.N),
				(wall / time.Duration(b.N)).Round(time.Millisecond), objstoreLatency)
		})
	}
}

// BenchmarkObjstoreCheckpoint loads the 1,000,000-file table with a 4-part
// parquet checkpoint (and 100 commits after it) from the S3 server through
// the 25 ms proxy, and from local disk for comparison (goal: under 3× the
// local time). Run it alone: -bench ObjstoreCheckpoint.
func BenchmarkObjstoreCheckpoint(b *testing.B) {
	srv := objstoretest.Require(b)
	ctx := context.Background()
	const n = 1_000_000
	spec := deltagen.Spec{Files: n, Commits: 100, AddsPerCommit: 10, RemovesPerCommit: 5, StatsColumns: 5, Partitions: 100, CheckpointParts: 4}
	dir, res := deltaGenerated(b, "ckpt-1000000", func(d string) (deltagen.Result, error) { return deltagen.GenerateCheckpointed(d, spec) })
	bucket := srv.NewS3Bucket(b, ctx)
	if err := objstoretest.UploadDir(ctx, bucket, dir, "t", func(rel string) bool { return rel != ".complete" }); err != nil {
		b.Fatal(err)
	}
	proxy := objstoretest.NewProxy(b, srv.S3Endpoint)
	proxy.Delay = objstoreLatency
	srv.UseS3(b, proxy.URL)
	uri := "s3://" + bucket.Name + "/t"
	load := func(b *testing.B, loc string, opts ...delta.Option) {
		tbl, err := storage.TableOpener(opts...)(ctx, loc)
		if err != nil {
			b.Fatal(err)
		}
		s, err := tbl.Snapshot(ctx)
		if err != nil {
			b.Fatal(err)
		}
		if s.Files.Len() != res.ActiveFiles {
			b.Fatalf("%d files, want %d", s.Files.Len(), res.ActiveFiles)
		}
	}
	b.Run("files=1000000/local", func(b *testing.B) {
		for b.Loop() {
			load(b, dir)
		}
	})
	b.Run("files=1000000/s3-25ms", func(b *testing.B) {
		var reqs, bytes int64
		for b.Loop() {
			proxy.Reset()
			load(b, uri)
			reqs += proxy.Requests()
			bytes += proxy.Bytes()
		}
		b.ReportMetric(float64(reqs)/float64(b.N), "requests/op")
		b.ReportMetric(float64(bytes)/float64(b.N), "bytes/op")
	})
}
