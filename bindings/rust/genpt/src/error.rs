//! genpt's errors: every C call returns 0 or a negative errno; here that
//! errno is an [`Error`] variant (and [`Error::errno`] gives it back).
use std::fmt;

use genpt_sys::errno;

/// What a genpt call refused, by its errno.  Which call gives which error
/// and why is in the C headers' documentation of that call (the methods of
/// this crate say the main cases).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Error {
    /// `EINVAL`: bad shape (zero length, misalignment, unknown bits, a leaf
    /// straddling the range, a bad configuration).
    InvalidArgument,
    /// `EOVERFLOW`: the range wraps past 2^64.
    Overflow,
    /// `ERANGE`: outside the table's address spaces.
    OutOfRange,
    /// `EEXIST`: something is already mapped (or attached) there.
    AlreadyExists,
    /// `ENOENT`: nothing is mapped (or attached) there.
    NotFound,
    /// `ENOMEM`: the memory provider ran out.
    NoMemory,
    /// `EOPNOTSUPP`: the format or the IOMMU cannot do it.
    NotSupported,
    /// `EACCES`: the hardware walk faulted (permission, A/D, malformed entry).
    AccessFault,
    /// `EFAULT`: an address the memory provider does not back (or, for the
    /// RISC-V model's DMA, a translation fault).
    BadAddress,
    /// `EBUSY`: the id names another table.
    Busy,
    /// `EIO`: a register access failed or the IOMMU refused a command.
    Io,
    /// `ETIMEDOUT`: the IOMMU never reported on or idle.
    TimedOut,
    /// Any other errno (positive value).
    Other(i32),
}

impl Error {
    /// The error of a negative C return value (`-errno`).
    pub fn from_errno(e: i32) -> Error {
        match e.abs() {
            errno::EINVAL => Error::InvalidArgument,
            errno::EOVERFLOW => Error::Overflow,
            errno::ERANGE => Error::OutOfRange,
            errno::EEXIST => Error::AlreadyExists,
            errno::ENOENT => Error::NotFound,
            errno::ENOMEM => Error::NoMemory,
            errno::EOPNOTSUPP => Error::NotSupported,
            errno::EACCES => Error::AccessFault,
            errno::EFAULT => Error::BadAddress,
            errno::EBUSY => Error::Busy,
            errno::EIO => Error::Io,
            errno::ETIMEDOUT => Error::TimedOut,
            other => Error::Other(other),
        }
    }

    /// The (positive) errno value.
    ///
    /// ```
    /// assert_eq!(genpt::Error::from_errno(-22).errno(), 22);
    /// assert_eq!(genpt::Error::from_errno(-22), genpt::Error::InvalidArgument);
    /// ```
    pub fn errno(self) -> i32 {
        match self {
            Error::InvalidArgument => errno::EINVAL,
            Error::Overflow => errno::EOVERFLOW,
            Error::OutOfRange => errno::ERANGE,
            Error::AlreadyExists => errno::EEXIST,
            Error::NotFound => errno::ENOENT,
            Error::NoMemory => errno::ENOMEM,
            Error::NotSupported => errno::EOPNOTSUPP,
            Error::AccessFault => errno::EACCES,
            Error::BadAddress => errno::EFAULT,
            Error::Busy => errno::EBUSY,
            Error::Io => errno::EIO,
            Error::TimedOut => errno::ETIMEDOUT,
            Error::Other(e) => e,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // std's text for the errno ("Invalid argument (os error 22)").
        write!(f, "genpt: {}", std::io::Error::from_raw_os_error(self.errno()))
    }
}

impl std::error::Error for Error {}

impl From<Error> for std::io::Error {
    fn from(e: Error) -> std::io::Error {
        std::io::Error::from_raw_os_error(e.errno())
    }
}

/// `Result` with genpt's [`Error`].
pub type Result<T> = std::result::Result<T, Error>;

/// 0 -> Ok(()), -errno -> Err.
pub(crate) fn check(rc: i32) -> Result<()> {
    if rc < 0 {
        Err(Error::from_errno(rc))
    } else {
        Ok(())
    }
}

/// A non-negative count -> Ok(count), -errno -> Err.
pub(crate) fn check_count(rc: i32) -> Result<u32> {
    check(rc).map(|()| rc as u32)
}
