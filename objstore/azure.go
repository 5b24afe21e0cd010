package objstore

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/blob"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/bloberror"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/container"

	"github.com/deltaplan/deltaplan/delta"
)

type azBackend struct {
	c    *container.Client
	name string
}

func newAzure(ctx context.Context, loc Location, o options) (backend, error) {
	opts := &azblob.ClientOptions{ClientOptions: azcore.ClientOptions{
		// Default status codes: 408, 429, 500, 502, 503, 504.
		Retry: policy.RetryOptions{MaxRetries: int32(o.maxAttempts - 1), RetryDelay: min(50*time.Millisecond, o.maxBackoff), MaxRetryDelay: o.maxBackoff},
	}}
	var (
		c   *azblob.Client
		err error
	)
	if cs := os.Getenv("AZURE_STORAGE_CONNECTION_STRING"); cs != "" {
		c, err = azblob.NewClientFromConnectionString(cs, opts)
		if err != nil {
			// The SDK's message may quote the string; keep only the kind.
			return nil, fmt.Errorf("%w: AZURE_STORAGE_CONNECTION_STRING is not a valid connection string", ErrConfig)
		}
	} else {
		account := os.Getenv("AZURE_STORAGE_ACCOUNT")
		if loc.Account != "" {
			account = loc.Account
		}
		key := os.Getenv("AZURE_STORAGE_KEY")
		if account == "" || key == "" {
			return nil, fmt.Errorf("%w: set AZURE_STORAGE_CONNECTION_STRING, or AZURE_STORAGE_ACCOUNT and AZURE_STORAGE_KEY", ErrConfig)
		}
		cred, cerr := azblob.NewSharedKeyCredential(account, key)
		if cerr != nil {
			return nil, fmt.Errorf("%w: AZURE_STORAGE_KEY is not a valid account key", ErrConfig)
		}
		c, err = azblob.NewClientWithSharedKeyCredential("https://"+account+".blob.core.windows.net/", cred, opts)
		if err != nil {
			return nil, fmt.Errorf("%w: azure client: %v", ErrConfig, err)
		}
	}
	return &azBackend{c: c.ServiceClient().NewContainerClient(loc.Bucket), name: loc.Bucket}, nil
}

func (b *azBackend) check(ctx context.Context) error {
	_, err := b.c.GetProperties(ctx, nil)
	if err != nil {
		if bloberror.HasCode(err, bloberror.ContainerNotFound) {
			return fmt.Errorf("%w: container %s", ErrBucketNotFound, b.name)
		}
		return classifyAzure(err)
	}
	return nil
}

// list filters startAfter itself: Blob Storage lists from a continuation
// marker, not from a key.
func (b *azBackend) list(ctx context.Context, prefix, startAfter string) ([]delta.FileInfo, error) {
	var out []delta.FileInfo
	p := b.c.NewListBlobsHierarchyPager("/", &container.ListBlobsHierarchyOptions{Prefix: &prefix})
	for p.More() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, classifyAzure(err)
		}
		for _, it := range page.Segment.BlobItems {
			if it.Name == nil || *it.Name <= startAfter {
				continue
			}
			fi := delta.FileInfo{Path: *it.Name}
			if it.Properties != nil {
				if it.Properties.ContentLength != nil {
					fi.Size = *it.Properties.ContentLength
				}
				if it.Properties.LastModified != nil {
					fi.ModTime = *it.Properties.LastModified
				}
			}
			out = append(out, fi)
		}
	}
	return out, nil
}

func (b *azBackend) get(ctx context.Context, key string, off, n int64) ([]byte, error) {
	o := &blob.DownloadStreamOptions{}
	if n >= 0 {
		o.Range = blob.HTTPRange{Offset: off, Count: n}
	}
	resp, err := b.c.NewBlobClient(key).DownloadStream(ctx, o)
	if err != nil {
		if n >= 0 && bloberror.HasCode(err, bloberror.InvalidRange) {
			return []byte{}, nil
		}
		return nil, classifyAzure(err)
	}
	defer resp.Body.Close()
	return readBody(resp.Body, resp.ContentLength)
}

func (b *azBackend) stat(ctx context.Context, key string) (delta.FileInfo, error) {
	resp, err := b.c.NewBlobClient(key).GetProperties(ctx, nil)
	if err != nil {
		return delta.FileInfo{}, classifyAzure(err)
	}
	fi := delta.FileInfo{Path: key}
	if resp.ContentLength != nil {
		fi.Size = *resp.ContentLength
	}
	if resp.LastModified != nil {
		fi.ModTime = *resp.LastModified
	}
	return fi, nil
}

func classifyAzure(err error) error {
	switch {
	case bloberror.HasCode(err, bloberror.BlobNotFound):
		return fmt.Errorf("%w: %v", fs.ErrNotExist, err)
	case bloberror.HasCode(err, bloberror.ContainerNotFound):
		return fmt.Errorf("%w: %v", ErrBucketNotFound, err)
	case bloberror.HasCode(err, bloberror.AuthenticationFailed, bloberror.AuthorizationFailure, bloberror.InsufficientAccountPermissions):
		return fmt.Errorf("%w: %v", ErrAccessDenied, err)
	}
	var re *azcore.ResponseError
	if errors.As(err, &re) {
		switch re.StatusCode {
		case http.StatusNotFound:
			return fmt.Errorf("%w: %v", fs.ErrNotExist, err)
		case http.StatusForbidden, http.StatusUnauthorized:
			return fmt.Errorf("%w: %v", ErrAccessDenied, err)
		}
	}
	return err
}
