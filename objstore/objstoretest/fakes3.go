package objstoretest

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// NewFakeS3 serves dir read-only as bucket over a minimal, in-process S3
// API (path-style HeadBucket, ListObjectsV2 with prefix, delimiter "/" and
// start-after, GetObject with Range, HeadObject): enough for the Delta
// reader, so retry and fault tests run without the store servers. Object
// keys are dir's relative paths. It returns the endpoint URL and sets the
// AWS environment of tb to use it.
func NewFakeS3(tb testing.TB, bucket, dir string) string {
	tb.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		path := strings.TrimPrefix(r.URL.Path, "/")
		b, key, _ := strings.Cut(path, "/")
		if b != bucket {
			s3Error(w, http.StatusNotFound, "NoSuchBucket")
			return
		}
		switch {
		case key == "" && r.Method == http.MethodHead:
			w.WriteHeader(http.StatusOK)
		case key == "" && r.URL.Query().Get("list-type") == "2":
			fakeList(w, r, bucket, dir)
		case key != "" && (r.Method == http.MethodGet || r.Method == http.MethodHead):
			fakeGet(w, r, filepath.Join(dir, filepath.FromSlash(key)))
		default:
			s3Error(w, http.StatusNotImplemented, "NotImplemented")
		}
	}))
	tb.Cleanup(srv.Close)
	for k, v := range map[string]string{
		"AWS_ACCESS_KEY_ID": "fake", "AWS_SECRET_ACCESS_KEY": "fakesecret", "AWS_SESSION_TOKEN": "", "AWS_REGION": "us-east-1",
		"AWS_ENDPOINT_URL": srv.URL, "AWS_ENDPOINT_URL_S3": "", "AWS_PROFILE": "", "AWS_CONFIG_FILE": os.DevNull,
		"AWS_SHARED_CREDENTIALS_FILE": os.DevNull, "AWS_EC2_METADATA_DISABLED": "true",
	} {
		tb.Setenv(k, v)
	}
	return srv.URL
}

func s3Error(w http.ResponseWriter, status int, code string) {
	w.Header().Set("Content-Type", "application/xml")
	w.WriteHeader(status)
	fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>%s</Code><Message>%s</Message></Error>`, code, code)
}

type listResult struct {
	XMLName     xml.Name      `xml:"ListBucketResult"`
	Name        string        `xml:"Name"`
	Prefix      string        `xml:"Prefix"`
	KeyCount    int           `xml:"KeyCount"`
	MaxKeys     int           `xml:"MaxKeys"`
	IsTruncated bool          `xml:"IsTruncated"`
	Contents    []listContent `xml:"Contents"`
}

type listContent struct {
	Key          string `xml:"Key"`
	LastModified string `xml:"LastModified"`
	Size         int64  `xml:"Size"`
}

func fakeList(w http.ResponseWriter, r *http.Request, bucket, dir string) {
	q := r.URL.Query()
	prefix, after := q.Get("prefix"), q.Get("start-after")
	res := listResult{Name: bucket, Prefix: prefix, MaxKeys: 1000}
	base := prefix[:strings.LastIndexByte(prefix, '/')+1]
	entries, _ := os.ReadDir(filepath.Join(dir, filepath.FromSlash(base)))
	for _, e := range entries {
		key := base + e.Name()
		if e.IsDir() || !strings.HasPrefix(key, prefix) || key <= after {
			continue
		}
		info, err := e.Info()
		if err != nil {
			continue
		}
		res.Contents = append(res.Contents, listContent{Key: key, Size: info.Size(), LastModified: info.ModTime().UTC().Format("2006-01-02T15:04:05.000Z")})
	}
	sort.Slice(res.Contents, func(i, j int) bool { return res.Contents[i].Key < res.Contents[j].Key })
	res.KeyCount = len(res.Contents)
	w.Header().Set("Content-Type", "application/xml")
	_, _ = w.Write([]byte(xml.Header))
	_ = xml.NewEncoder(w).Encode(res)
}

func fakeGet(w http.ResponseWriter, r *http.Request, file string) {
	data, err := os.ReadFile(file)
	if err != nil {
		if os.IsNotExist(err) || isDirErr(err) {
			s3Error(w, http.StatusNotFound, "NoSuchKey")
			return
		}
		s3Error(w, http.StatusInternalServerError, "InternalError")
		return
	}
	info, _ := os.Stat(file)
	w.Header().Set("Last-Modified", info.ModTime().UTC().Format(http.TimeFormat))
	status := http.StatusOK
	if rg := r.Header.Get("Range"); rg != "" {
		from, to, ok := parseRange(rg, int64(len(data)))
		if !ok {
			s3Error(w, http.StatusRequestedRangeNotSatisfiable, "InvalidRange")
			return
		}
		w.Header().Set("Content-Range", fmt.Sprintf("bytes %d-%d/%d", from, to, len(data)))
		data, status = data[from:to+1], http.StatusPartialContent
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(data)))
	w.WriteHeader(status)
	if r.Method == http.MethodGet {
		_, _ = w.Write(data)
	}
}

func isDirErr(err error) bool {
	var pe *fs.PathError
	return errors.As(err, &pe) && strings.Contains(pe.Err.Error(), "is a directory")
}

// parseRange reads "bytes=a-b" (b optional) against an object of size n.
func parseRange(h string, n int64) (from, to int64, ok bool) {
	a, b, found := strings.Cut(strings.TrimPrefix(h, "bytes="), "-")
	if !found {
		return 0, 0, false
	}
	from, err := strconv.ParseInt(a, 10, 64)
	if err != nil || from >= n {
		return 0, 0, false
	}
	to = n - 1
	if b != "" {
		if to, err = strconv.ParseInt(b, 10, 64); err != nil || to < from {
			return 0, 0, false
		}
		to = min(to, n-1)
	}
	return from, to, true
}
