//! The pure core: identifiers, time slots, the join window and booking rules.
//! Nothing here touches the runtime; time and ids come in as arguments.

pub mod booking;
pub mod ids;
pub mod time;
pub mod video;
pub mod window;
