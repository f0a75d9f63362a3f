pub mod commits;
