// Package objstoretest gives the object-store tests and benchmarks their
// servers (started by scripts/stores), environment, uploads through the
// stores' own SDKs, and a loopback proxy that adds latency and faults.
package objstoretest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"cloud.google.com/go/storage"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"golang.org/x/sync/errgroup"
)

// EnvVar says the servers are up; the tests fail, not skip, when it is set
// and a server is missing.
const EnvVar = "DELTAPLAN_STORES"

// Servers are the loopback servers scripts/stores/start.sh started.
type Servers struct {
	S3Endpoint, S3AccessKey, S3SecretKey string
	GCSHost                              string
	AzureConnectionString                string
}

// Require returns the servers, skipping tb when DELTAPLAN_STORES is unset
// and failing it when it is set but a server's variable is missing.
func Require(tb testing.TB) Servers {
	tb.Helper()
	if os.Getenv(EnvVar) == "" {
		tb.Skip("object-store servers not configured: DELTAPLAN_STORES is unset; run `bash scripts/stores/with-stores.sh go test ./objstore/...`")
	}
	s := Servers{
		S3Endpoint: os.Getenv("DELTAPLAN_S3_ENDPOINT"), S3AccessKey: os.Getenv("DELTAPLAN_S3_ACCESS_KEY"),
		S3SecretKey: os.Getenv("DELTAPLAN_S3_SECRET_KEY"), GCSHost: os.Getenv("DELTAPLAN_GCS_HOST"),
		AzureConnectionString: os.Getenv("DELTAPLAN_AZURE_CONNECTION_STRING"),
	}
	for k, v := range map[string]string{
		"DELTAPLAN_S3_ENDPOINT": s.S3Endpoint, "DELTAPLAN_S3_ACCESS_KEY": s.S3AccessKey, "DELTAPLAN_S3_SECRET_KEY": s.S3SecretKey,
		"DELTAPLAN_GCS_HOST": s.GCSHost, "DELTAPLAN_AZURE_CONNECTION_STRING": s.AzureConnectionString,
	} {
		if v == "" {
			tb.Fatalf("%s=1 but %s is empty: start the servers with scripts/stores/start.sh", EnvVar, k)
		}
	}
	return s
}

// UseS3 points the AWS environment at endpoint (the server or a proxy in
// front of it) for the rest of tb.
func (s Servers) UseS3(tb testing.TB, endpoint string) {
	tb.Setenv("AWS_ACCESS_KEY_ID", s.S3AccessKey)
	tb.Setenv("AWS_SECRET_ACCESS_KEY", s.S3SecretKey)
	tb.Setenv("AWS_SESSION_TOKEN", "")
	tb.Setenv("AWS_REGION", "us-east-1")
	tb.Setenv("AWS_ENDPOINT_URL", endpoint)
	tb.Setenv("AWS_ENDPOINT_URL_S3", "")
	tb.Setenv("AWS_PROFILE", "")
	tb.Setenv("AWS_CONFIG_FILE", os.DevNull)
	tb.Setenv("AWS_SHARED_CREDENTIALS_FILE", os.DevNull)
	tb.Setenv("AWS_EC2_METADATA_DISABLED", "true")
}

// UseGCS points STORAGE_EMULATOR_HOST at host.
func (s Servers) UseGCS(tb testing.TB, host string) { tb.Setenv("STORAGE_EMULATOR_HOST", host) }

// UseAzure sets AZURE_STORAGE_CONNECTION_STRING to conn.
func (s Servers) UseAzure(tb testing.TB, conn string) {
	tb.Setenv("AZURE_STORAGE_CONNECTION_STRING", conn)
	tb.Setenv("AZURE_STORAGE_ACCOUNT", "")
	tb.Setenv("AZURE_STORAGE_KEY", "")
}

// Bucket is a fresh bucket (container) on one server with a put method
// that goes through the store's SDK.
type Bucket struct {
	Name string
	put  func(ctx context.Context, key string, data []byte) error
}

// Put stores one object.
func (b *Bucket) Put(ctx context.Context, key string, data []byte) error {
	if err := b.put(ctx, key, data); err != nil {
		return fmt.Errorf("upload %s/%s: %w", b.Name, key, err)
	}
	return nil
}

// UniqueName returns prefix-<random hex>, a valid bucket name on all three.
func UniqueName(prefix string) string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return prefix + "-" + hex.EncodeToString(b[:])
}

// NewS3Bucket creates a bucket on the S3 server.
func (s Servers) NewS3Bucket(tb testing.TB, ctx context.Context) *Bucket {
	tb.Helper()
	c := s3.New(s3.Options{
		Region: "us-east-1", BaseEndpoint: aws.String(s.S3Endpoint), UsePathStyle: true,
		Credentials: credentials.NewStaticCredentialsProvider(s.S3AccessKey, s.S3SecretKey, ""),
	})
	name := UniqueName("dp")
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(name)}); err != nil {
		tb.Fatalf("create S3 bucket %s: %v", name, err)
	}
	return &Bucket{Name: name, put: func(ctx context.Context, key string, data []byte) error {
		_, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(name), Key: aws.String(key), Body: bytes.NewReader(data)})
		return err
	}}
}

// NewGCSBucket creates a bucket on the GCS emulator.
func (s Servers) NewGCSBucket(tb testing.TB, ctx context.Context) *Bucket {
	tb.Helper()
	tb.Setenv("STORAGE_EMULATOR_HOST", s.GCSHost)
	c, err := storage.NewClient(ctx)
	if err != nil {
		tb.Fatalf("GCS client: %v", err)
	}
	tb.Cleanup(func() { c.Close() })
	name := UniqueName("dp")
	if err := c.Bucket(name).Create(ctx, "test-project", nil); err != nil {
		tb.Fatalf("create GCS bucket %s: %v", name, err)
	}
	return &Bucket{Name: name, put: func(ctx context.Context, key string, data []byte) error {
		w := c.Bucket(name).Object(key).NewWriter(ctx)
		if _, err := w.Write(data); err != nil {
			w.Close()
			return err
		}
		return w.Close()
	}}
}

// NewAzureContainer creates a container on Azurite.
func (s Servers) NewAzureContainer(tb testing.TB, ctx context.Context) *Bucket {
	tb.Helper()
	c, err := azblob.NewClientFromConnectionString(s.AzureConnectionString, nil)
	if err != nil {
		tb.Fatalf("azure client: %v", err)
	}
	name := UniqueName("dp")
	if _, err := c.CreateContainer(ctx, name, nil); err != nil {
		tb.Fatalf("create Azure container %s: %v", name, err)
	}
	return &Bucket{Name: name, put: func(ctx context.Context, key string, data []byte) error {
		_, err := c.UploadBuffer(ctx, name, key, data, nil)
		return err
	}}
}

// UploadDir uploads every regular file under dir whose slash path relative
// to dir passes keep (nil: all) to prefix/<relative path>, a few at a time.
func UploadDir(ctx context.Context, b *Bucket, dir, prefix string, keep func(rel string) bool) error {
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(8)
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		if keep != nil && !keep(rel) {
			return nil
		}
		g.Go(func() error {
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			return b.Put(ctx, strings.TrimPrefix(prefix+"/"+rel, "/"), data)
		})
		return nil
	})
	if werr := g.Wait(); err == nil {
		err = werr
	}
	return err
}
