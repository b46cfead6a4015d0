//! placeholder until the AI lands
