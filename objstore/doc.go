// Package objstore reads Delta tables on object stores: S3 and S3-compatible
// servers (s3://, s3a://), Google Cloud Storage (gs://) and Azure Blob
// Storage (az://, abfss://), each through its own Go SDK, behind the
// delta.Storage seam.
//
// Settings come from each ecosystem's standard environment (AWS_*,
// STORAGE_EMULATOR_HOST and application default credentials,
// AZURE_STORAGE_*). Every backend retries throttling and 5xx answers with
// backoff, bounds the requests in flight, reads byte ranges, verifies that
// whole reads match the size the listing reported, reads ahead the commits
// a log replay is about to ask for, and keeps secrets out of its errors.
package objstore
