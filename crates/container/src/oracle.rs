//! `cove render`: one template rendered to the shape of wcc's `$gwx(path)(data)`.
