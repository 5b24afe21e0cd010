package objstore

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/http"

	"cloud.google.com/go/storage"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/blob"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/bloberror"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/blockblob"
	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"
	"google.golang.org/api/googleapi"
)

// Writes. They are optional abilities of a Store (writers find them by type
// assertion); the delta.Storage seam stays read-only.
//
// Contract:
//   - Put creates or replaces the object at path with data.
//   - PutIfAbsent creates the object only if nothing exists at path, in one
//     atomic request: S3 PutObject with If-None-Match: *, GCS with the
//     precondition DoesNotExist (ifGenerationMatch=0), Azure Blob with
//     If-None-Match: *. When an object already exists the error wraps
//     fs.ErrExist (== os.ErrExist): the caller lost a race. S3's 409
//     ConditionalRequestConflict (another conditional write to the key in
//     flight) is reported the same way: re-read and try again.
//   - Delete removes the object; a missing object is not an error.
//
// A server that ignores the condition (some S3-compatible servers accept
// If-None-Match and overwrite anyway) cannot be told apart from one request;
// deltawrite probes a store once before it commits (a second PutIfAbsent of
// the same probe key must fail).
//
// Failed requests are retried by the SDK retryers like reads. A retried
// PutIfAbsent whose first attempt did land reports fs.ErrExist for the
// caller's own object; callers that must know compare the stored bytes (as
// deltawrite does).

// Put implements the writers' plain put: it creates or replaces path.
func (s *Store) Put(ctx context.Context, path string, data []byte) error {
	if err := s.do(ctx, func() error { return s.put(ctx, s.loc.key(path), data, false) }); err != nil {
		return s.wrap("put", path, err)
	}
	return nil
}

// PutIfAbsent creates path with data unless an object exists there; then
// the error wraps fs.ErrExist.
func (s *Store) PutIfAbsent(ctx context.Context, path string, data []byte) error {
	if err := s.do(ctx, func() error { return s.put(ctx, s.loc.key(path), data, true) }); err != nil {
		return s.wrap("put-if-absent", path, err)
	}
	return nil
}

// Delete removes path; a missing object is not an error.
func (s *Store) Delete(ctx context.Context, path string) error {
	err := s.do(ctx, func() error { return s.del(ctx, s.loc.key(path)) })
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return s.wrap("delete", path, err)
	}
	return nil
}

func (s *Store) put(ctx context.Context, key string, data []byte, ifAbsent bool) error {
	switch b := s.be.(type) {
	case *s3Backend:
		return b.put(ctx, key, data, ifAbsent)
	case *gcsBackend:
		return b.put(ctx, key, data, ifAbsent)
	case *azBackend:
		return b.put(ctx, key, data, ifAbsent)
	}
	return fmt.Errorf("%w: this store cannot write", errors.ErrUnsupported)
}

func (s *Store) del(ctx context.Context, key string) error {
	switch b := s.be.(type) {
	case *s3Backend:
		_, err := b.c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(b.bucket), Key: aws.String(key)})
		if err != nil {
			return classifyS3(err)
		}
		return nil
	case *gcsBackend:
		if err := b.bucket.Object(key).Delete(ctx); err != nil {
			return classifyGCS(err)
		}
		return nil
	case *azBackend:
		if _, err := b.c.NewBlobClient(key).Delete(ctx, nil); err != nil {
			return classifyAzure(err)
		}
		return nil
	}
	return fmt.Errorf("%w: this store cannot delete", errors.ErrUnsupported)
}

func (b *s3Backend) put(ctx context.Context, key string, data []byte, ifAbsent bool) error {
	in := &s3.PutObjectInput{
		Bucket: aws.String(b.bucket), Key: aws.String(key),
		Body: bytes.NewReader(data), ContentLength: aws.Int64(int64(len(data))),
	}
	if ifAbsent {
		in.IfNoneMatch = aws.String("*")
	}
	_, err := b.c.PutObject(ctx, in)
	if err == nil {
		return nil
	}
	if ifAbsent {
		var ae smithy.APIError
		if errors.As(err, &ae) {
			switch ae.ErrorCode() {
			case "PreconditionFailed", "ConditionalRequestConflict":
				return fmt.Errorf("%w (%s)", fs.ErrExist, ae.ErrorCode())
			}
		}
		var re *awshttp.ResponseError
		if errors.As(err, &re) && (re.HTTPStatusCode() == http.StatusPreconditionFailed || re.HTTPStatusCode() == http.StatusConflict) {
			return fmt.Errorf("%w (HTTP %d)", fs.ErrExist, re.HTTPStatusCode())
		}
	}
	return classifyS3(err)
}

func (b *gcsBackend) put(ctx context.Context, key string, data []byte, ifAbsent bool) error {
	o := b.bucket.Object(key)
	if ifAbsent {
		o = o.If(storage.Conditions{DoesNotExist: true})
	}
	w := o.NewWriter(ctx)
	w.ChunkSize = 0 // one request: the data is in memory
	if _, err := w.Write(data); err != nil {
		_ = w.Close()
		return classifyGCSPut(err, ifAbsent)
	}
	if err := w.Close(); err != nil {
		return classifyGCSPut(err, ifAbsent)
	}
	return nil
}

func classifyGCSPut(err error, ifAbsent bool) error {
	var ge *googleapi.Error
	if ifAbsent && errors.As(err, &ge) && ge.Code == http.StatusPreconditionFailed {
		return fmt.Errorf("%w (HTTP 412)", fs.ErrExist)
	}
	return classifyGCS(err)
}

func (b *azBackend) put(ctx context.Context, key string, data []byte, ifAbsent bool) error {
	var opts blockblob.UploadBufferOptions
	if ifAbsent {
		opts.AccessConditions = &blob.AccessConditions{ModifiedAccessConditions: &blob.ModifiedAccessConditions{IfNoneMatch: to(azcore.ETagAny)}}
	}
	_, err := b.c.NewBlockBlobClient(key).UploadBuffer(ctx, data, &opts)
	if err == nil {
		return nil
	}
	if ifAbsent {
		if bloberror.HasCode(err, bloberror.BlobAlreadyExists, bloberror.ConditionNotMet) {
			return fmt.Errorf("%w: %v", fs.ErrExist, err)
		}
		var re *azcore.ResponseError
		if errors.As(err, &re) && (re.StatusCode == http.StatusConflict || re.StatusCode == http.StatusPreconditionFailed) {
			return fmt.Errorf("%w: %v", fs.ErrExist, err)
		}
	}
	return classifyAzure(err)
}

func to[T any](v T) *T { return &v }
