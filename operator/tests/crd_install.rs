//! The operator's own CRD management (`MANAGE_CRD`) against an in-memory API: it applies the
//! CRD as its field manager and starts only once the API server reports it Established.

use std::time::Duration;

use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use kube::Client;
use kube::api::{Api, Patch, PatchParams};
use sector_operator::crd_install::{self, CRD_NAME, CrdInstallError, Outcome};
use serde_json::json;

async fn client() -> Client {
    kube_fake_client::ClientBuilder::new()
        .with_status_subresource::<CustomResourceDefinition>()
        .build()
        .await
        .expect("fake client")
}

/// Plays the API server: marks the CRD Established once it exists.
async fn establish_when_created(client: Client) {
    let api: Api<CustomResourceDefinition> = Api::all(client);
    loop {
        if api.get_opt(CRD_NAME).await.expect("get crd").is_some() {
            let status = json!({"status": {"conditions": [
                {"type": "NamesAccepted", "status": "True", "reason": "NoConflicts", "message": "no conflicts found"},
                {"type": "Established", "status": "True", "reason": "InitialNamesAccepted", "message": "the initial names have been accepted"},
            ]}});
            api.patch_status(CRD_NAME, &PatchParams::default(), &Patch::Merge(status)).await.expect("status");
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn the_crd_is_applied_and_waited_for() {
    let client = client().await;
    let (outcome, ()) = tokio::join!(
        crd_install::ensure(&client, Duration::from_secs(10)),
        establish_when_created(client.clone())
    );
    assert_eq!(outcome.expect("applied and Established"), Outcome::Created);
    let api: Api<CustomResourceDefinition> = Api::all(client.clone());
    let crd = api.get(CRD_NAME).await.expect("the CRD exists");
    assert_eq!(crd.spec.group, "sector.dev");
    assert_eq!(crd.spec.names.kind, "SectorUniverse");
    // Applying again (the next start) is no creation, and it is Established already.
    let again = crd_install::ensure(&client, Duration::from_secs(1)).await.expect("second apply");
    assert_ne!(again, Outcome::Created);
}

#[tokio::test]
async fn a_crd_never_established_stops_the_start_with_its_conditions() {
    let client = client().await;
    let err = crd_install::ensure(&client, Duration::from_millis(600)).await.expect_err("never Established");
    assert!(matches!(err, CrdInstallError::NotEstablished(..)), "{err}");
    let message = err.to_string();
    assert!(message.contains("sectoruniverses.sector.dev is not Established"), "{message}");
    assert!(message.contains("no conditions reported"), "{message}");
}
