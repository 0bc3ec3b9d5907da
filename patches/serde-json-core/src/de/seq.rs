use serde::de;

use crate::de::{Deserializer, Error, Result};

pub(crate) struct SeqAccess<'a, 'b, 's> {
    first: bool,
    de: &'a mut Deserializer<'b, 's>,
}

impl<'a, 'b, 's> SeqAccess<'a, 'b, 's> {
    pub fn new(de: &'a mut Deserializer<'b, 's>) -> Self {
        SeqAccess { de, first: true }
    }
}

impl<'de> de::SeqAccess<'de> for SeqAccess<'_, 'de, '_> {
    type Error = Error;

    fn next_element_seed<T>(&mut self, seed: T) -> Result<Option<T::Value>>
    where
        T: de::DeserializeSeed<'de>,
    {
        if self.de.next_element(&mut self.first)? {
            Ok(Some(seed.deserialize(&mut *self.de)?))
        } else {
            Ok(None)
        }
    }
}
