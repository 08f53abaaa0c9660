pub fn path_from_env() -> Option<std::path::PathBuf> { None }
