#pragma once
// Where a tool's outputs go, checked before any work: an output file that names a folder, or an output folder
// (--png, --nifti, preprocess.export_nifti, impute.export_nifti, the query's montages) that cannot be created or
// written, is an InputError (exit 2) naming the flag and the path, instead of a filesystem error after the work.
#include <string>

namespace due {

// Throws InputError "FLAG PATH: is a folder; name the file to write" when `path` is an existing folder.
void refuse_folder_as_output_file(const std::string& flag, const std::string& path);

// Creates `folder` (and its parents) when absent, then checks that a file can be created in it. Throws InputError
// naming `flag` and the folder, with the system's reason, when it cannot be created, is not a folder, or is not
// writable (a read-only folder or file system).
void prepare_output_folder(const std::string& flag, const std::string& folder);

}  // namespace due
