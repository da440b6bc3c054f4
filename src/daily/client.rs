//! The Daily client (shell): sends what `api` describes through the shared outbound client and
//! reads the answers with it. The domain id is cached per isolate.

use std::cell::RefCell;

use serde::de::DeserializeOwned;
use serde::Serialize;
use worker::Method;

use super::api::{
    read_answer, AccessLink, CreateRoom, DailyError, Deleted, DomainConfig, Meeting, Page,
    Recording, Room, UpdateRoom,
};
use crate::config::DailyConfig;
use crate::outbound::{Client, Outbound};

thread_local! {
    /// Domain ids fetched from `GET /`, by API base URL. They never change for a key's domain.
    static DOMAIN_IDS: RefCell<Vec<(String, String)>> = const { RefCell::new(Vec::new()) };
}

pub struct DailyClient<'a> {
    config: &'a DailyConfig,
}

impl<'a> DailyClient<'a> {
    pub fn new(config: &'a DailyConfig) -> Self {
        Self { config }
    }

    /// One call to Daily's REST API, with its retries, read as a `T`.
    async fn call<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Option<&impl Serialize>,
    ) -> Result<T, DailyError> {
        let authorization = format!("Bearer {}", self.config.api_key.expose());
        let request = Outbound {
            method,
            url: format!("{}{}", self.config.base_url, path),
            headers: vec![
                ("Authorization", authorization.as_str()),
                ("Content-Type", "application/json"),
            ],
            body: body.map(|b| serde_json::to_string(b).expect("Daily requests serialize")),
        };
        let client = Client {
            service: "Daily",
            policy: &self.config.retry,
        };
        read_answer(&client.send(&request).await?)
    }

    /// Creates a room. A room of that name may already exist (an earlier attempt whose answer
    /// was lost): Daily then answers 400, and the room is read back instead.
    pub async fn create_room(&self, request: &CreateRoom<'_>) -> Result<Room, DailyError> {
        match self.call(Method::Post, "/rooms", Some(request)).await {
            Err(e) if e.is_room_exists() => self.get_room(request.name).await.map_err(|_| e),
            other => other,
        }
    }

    pub async fn get_room(&self, name: &str) -> Result<Room, DailyError> {
        self.call(Method::Get, &format!("/rooms/{name}"), None::<&()>)
            .await
    }

    /// Moves a room to a new window.
    pub async fn update_room(&self, name: &str, update: &UpdateRoom) -> Result<Room, DailyError> {
        self.call(Method::Post, &format!("/rooms/{name}"), Some(update))
            .await
    }

    /// The meeting sessions of a room (who was in it, when, for how long).
    pub async fn meetings(&self, room: &str) -> Result<Vec<Meeting>, DailyError> {
        let page: Page<Meeting> = self
            .call(Method::Get, &format!("/meetings?room={room}"), None::<&()>)
            .await?;
        Ok(page.data)
    }

    /// The recordings of a room, newest first.
    pub async fn recordings(&self, room: &str) -> Result<Vec<Recording>, DailyError> {
        let path = format!("/recordings?room_name={room}");
        let page: Page<Recording> = self.call(Method::Get, &path, None::<&()>).await?;
        Ok(page.data)
    }

    /// A download link of a recording, valid for an hour.
    pub async fn access_link(&self, recording_id: &str) -> Result<AccessLink, DailyError> {
        let path = format!("/recordings/{recording_id}/access-link?valid_for_secs=3600");
        self.call(Method::Get, &path, None::<&()>).await
    }

    /// Deletes a recording; one that is already gone counts as deleted.
    pub async fn delete_recording(&self, recording_id: &str) -> Result<(), DailyError> {
        self.delete(&format!("/recordings/{recording_id}")).await
    }

    /// Deletes a room; a room that is already gone counts as deleted.
    pub async fn delete_room(&self, name: &str) -> Result<(), DailyError> {
        self.delete(&format!("/rooms/{name}")).await
    }

    /// `DELETE path`, where a 404 means the thing is already gone.
    async fn delete(&self, path: &str) -> Result<(), DailyError> {
        match self
            .call::<Deleted>(Method::Delete, path, None::<&()>)
            .await
        {
            Ok(_) => Ok(()),
            Err(e) if e.is_not_found() => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// The domain id meeting tokens carry: from `DAILY_DOMAIN_ID`, else fetched once.
    pub async fn domain_id(&self) -> Result<String, DailyError> {
        if let Some(id) = &self.config.domain_id {
            return Ok(id.clone());
        }
        let base = &self.config.base_url;
        let cached = DOMAIN_IDS.with(|ids| {
            ids.borrow()
                .iter()
                .find(|(url, _)| url == base)
                .map(|(_, id)| id.clone())
        });
        if let Some(id) = cached {
            return Ok(id);
        }
        let domain: DomainConfig = self.call(Method::Get, "/", None::<&()>).await?;
        DOMAIN_IDS.with(|ids| {
            ids.borrow_mut()
                .push((base.clone(), domain.domain_id.clone()))
        });
        Ok(domain.domain_id)
    }
}
