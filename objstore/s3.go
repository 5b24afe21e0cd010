package objstore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"

	"github.com/deltaplan/deltaplan/delta"
)

type s3Backend struct {
	c      *s3.Client
	bucket string
}

func newS3(ctx context.Context, loc Location, o options) (backend, error) {
	cfg, err := config.LoadDefaultConfig(ctx,
		config.WithRetryer(func() aws.Retryer {
			// Throttling and 5xx are retried with jittered exponential
			// backoff; no client-side retry quota, so a burst of 503s
			// from one server does not turn into failures.
			return retry.NewStandard(func(so *retry.StandardOptions) {
				so.MaxAttempts = o.maxAttempts
				so.MaxBackoff = o.maxBackoff
				so.RateLimiter = ratelimit.None
			})
		}),
		// The SDK logs (e.g. "failed to discard remaining HTTP response
		// body") go to the store, never to stderr.
		config.WithLogger(o.sdk),
		config.WithHTTPClient(awshttp.NewBuildableClient().WithTransportOptions(func(t *http.Transport) {
			t.MaxIdleConnsPerHost = o.maxInFlight
		})),
	)
	if err != nil {
		return nil, fmt.Errorf("%w: load AWS configuration: %v", ErrConfig, err)
	}
	if cfg.Region == "" {
		cfg.Region = "us-east-1" // endpoints on an address ignore it; AWS redirects
	}
	endpoint := os.Getenv("AWS_ENDPOINT_URL_S3")
	if endpoint == "" {
		endpoint = os.Getenv("AWS_ENDPOINT_URL")
	}
	c := s3.NewFromConfig(cfg, func(so *s3.Options) {
		if endpoint != "" {
			// S3-compatible servers on an address take path-style requests.
			so.BaseEndpoint = aws.String(endpoint)
			so.UsePathStyle = true
		}
		// Checksums only where the API requires them: ranged reads have
		// none, and S3-compatible servers differ in support.
		so.RequestChecksumCalculation = aws.RequestChecksumCalculationWhenRequired
		so.ResponseChecksumValidation = aws.ResponseChecksumValidationWhenRequired
	})
	return &s3Backend{c: c, bucket: loc.Bucket}, nil
}

func (b *s3Backend) check(ctx context.Context) error {
	_, err := b.c.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String(b.bucket)})
	if err != nil {
		if e := classifyS3(err); errors.Is(e, fs.ErrNotExist) {
			return fmt.Errorf("%w: %s: %v", ErrBucketNotFound, b.bucket, err)
		}
		return classifyS3(err)
	}
	return nil
}

func (b *s3Backend) list(ctx context.Context, prefix, startAfter string) ([]delta.FileInfo, error) {
	in := &s3.ListObjectsV2Input{Bucket: aws.String(b.bucket), Prefix: aws.String(prefix), Delimiter: aws.String("/")}
	if startAfter != "" {
		in.StartAfter = aws.String(startAfter)
	}
	var out []delta.FileInfo
	p := s3.NewListObjectsV2Paginator(b.c, in)
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, classifyS3(err)
		}
		for _, o := range page.Contents {
			fi := delta.FileInfo{Path: aws.ToString(o.Key), Size: aws.ToInt64(o.Size)}
			if o.LastModified != nil {
				fi.ModTime = *o.LastModified
			}
			out = append(out, fi)
		}
	}
	return out, nil
}

func (b *s3Backend) get(ctx context.Context, key string, off, n int64) ([]byte, error) {
	in := &s3.GetObjectInput{Bucket: aws.String(b.bucket), Key: aws.String(key)}
	if n >= 0 {
		in.Range = aws.String("bytes=" + strconv.FormatInt(off, 10) + "-" + strconv.FormatInt(off+n-1, 10))
	}
	resp, err := b.c.GetObject(ctx, in)
	if err != nil {
		var ae smithy.APIError
		if n >= 0 && errors.As(err, &ae) && ae.ErrorCode() == "InvalidRange" {
			return []byte{}, nil // range past the end
		}
		return nil, classifyS3(err)
	}
	defer resp.Body.Close()
	return readBody(resp.Body, resp.ContentLength)
}

func (b *s3Backend) stat(ctx context.Context, key string) (delta.FileInfo, error) {
	resp, err := b.c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(b.bucket), Key: aws.String(key)})
	if err != nil {
		return delta.FileInfo{}, classifyS3(err)
	}
	fi := delta.FileInfo{Path: key, Size: aws.ToInt64(resp.ContentLength)}
	if resp.LastModified != nil {
		fi.ModTime = *resp.LastModified
	}
	return fi, nil
}

// classifyS3 maps S3 error codes onto the package's sentinels.
func classifyS3(err error) error {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		switch ae.ErrorCode() {
		case "NoSuchKey", "NotFound":
			return fmt.Errorf("%w (%s)", fs.ErrNotExist, ae.ErrorCode())
		case "NoSuchBucket":
			return fmt.Errorf("%w: %v", ErrBucketNotFound, err)
		case "AccessDenied", "Forbidden", "InvalidAccessKeyId", "SignatureDoesNotMatch", "ExpiredToken", "InvalidToken":
			return fmt.Errorf("%w: %v", ErrAccessDenied, err)
		}
	}
	var re *awshttp.ResponseError
	if errors.As(err, &re) {
		switch re.HTTPStatusCode() {
		case http.StatusNotFound:
			return fmt.Errorf("%w: %v", fs.ErrNotExist, err)
		case http.StatusForbidden, http.StatusUnauthorized:
			return fmt.Errorf("%w: %v", ErrAccessDenied, err)
		}
	}
	return err
}

// readBody reads a response body and checks it against the length the
// server announced (-1 or nil when unknown).
func readBody(r io.Reader, announced *int64) ([]byte, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		if errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, fmt.Errorf("%w: %v", ErrShortRead, err)
		}
		return nil, fmt.Errorf("read body: %w", err)
	}
	if announced != nil && *announced >= 0 && int64(len(data)) != *announced {
		return nil, fmt.Errorf("%w: got %d of %d bytes", ErrShortRead, len(data), *announced)
	}
	return data, nil
}
