package objstore_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/deltaplan/deltaplan/delta"
	"github.com/deltaplan/deltaplan/objstore"
	"github.com/deltaplan/deltaplan/objstore/objstoretest"
)

// TestStoreErrors: missing bucket, missing table and bad credentials are
// told apart, on every store, and never print the secret.
func TestStoreErrors(t *testing.T) {
	srv := objstoretest.Require(t)
	ctx := context.Background()
	type store struct {
		name   string
		setup  func(t *testing.T) *objstoretest.Bucket
		scheme string
		badEnv func(t *testing.T) string // sets bad credentials, returns the secret
	}
	const badSecret = "not-the-secret-Zm9vYmFyYmF6"
	stores := []store{
		{"s3", func(t *testing.T) *objstoretest.Bucket { srv.UseS3(t, srv.S3Endpoint); return srv.NewS3Bucket(t, ctx) }, "s3",
			func(t *testing.T) string { t.Setenv("AWS_SECRET_ACCESS_KEY", badSecret); return badSecret }},
		{"gcs", func(t *testing.T) *objstoretest.Bucket { srv.UseGCS(t, srv.GCSHost); return srv.NewGCSBucket(t, ctx) }, "gs", nil},
		{"azure", func(t *testing.T) *objstoretest.Bucket {
			srv.UseAzure(t, srv.AzureConnectionString)
			return srv.NewAzureContainer(t, ctx)
		}, "az", func(t *testing.T) string {
			// A well-formed key that is not Azurite's.
			key := "QmFkS2V5QmFkS2V5QmFkS2V5QmFkS2V5QmFkS2V5QmFkS2V5QmFkS2V5QmFkS2V5QmFkS2V5QmFkS2V5QmFkS2V5QQ=="
			t.Setenv("AZURE_STORAGE_CONNECTION_STRING", strings.Replace(srv.AzureConnectionString,
				"Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==", key, 1))
			return key
		}},
	}
	for _, st := range stores {
		t.Run(st.name, func(t *testing.T) {
			b := st.setup(t)
			if err := b.Put(ctx, "other/file.txt", []byte("x")); err != nil {
				t.Fatal(err)
			}
			_, err := openURI(ctx, st.scheme+"://no-such-bucket-"+strings.ToLower(objstoretest.UniqueName("x"))+"/t")
			if !errors.Is(err, objstore.ErrBucketNotFound) {
				t.Errorf("missing bucket: got %v, want ErrBucketNotFound", err)
			}
			_, err = openRemote(ctx, st.scheme+"://"+b.Name+"/no/table/here")
			if !errors.Is(err, delta.ErrTableNotFound) {
				t.Errorf("missing table: got %v, want delta.ErrTableNotFound", err)
			}
			_, err = openRemote(ctx, st.scheme+"://"+b.Name+"/other")
			if !errors.Is(err, delta.ErrTableNotFound) {
				t.Errorf("folder without a log: got %v, want delta.ErrTableNotFound", err)
			}
			if st.badEnv == nil {
				return // the GCS emulator does not check credentials
			}
			secret := st.badEnv(t)
			_, err = openURI(ctx, st.scheme+"://"+b.Name+"/t")
			if !errors.Is(err, objstore.ErrAccessDenied) {
				t.Errorf("bad credentials: got %v, want ErrAccessDenied", err)
			}
			if err != nil && strings.Contains(err.Error(), secret) {
				t.Errorf("error shows the secret: %v", err)
			}
		})
	}
}
