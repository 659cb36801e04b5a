//! Values the client side makes: valid items and distinct second ones,
//! items without their optional fields, invalid variants at every depth
//! of the schema, fresh ids and bench's ids, strings a `pattern` admits,
//! and the crate's one seeded random generator. Pure: no I/O, no clock;
//! it reads schemas through [`crate::spec`].

pub mod ids;
pub mod items;
pub mod pattern;
pub mod rng;
