//! Services: the accounts allowed to slash the slices allocated to them, registered by the admin.

use cosmwasm_std::{Addr, DepsMut, Env, MessageInfo, Response, Storage};
use poi_types::staking::{PendingSlasher, Service, events};

use crate::ContractError;
use crate::state::{ADMIN, CONFIG, NEXT_SERVICE_ID, SERVICES};

const MAX_NAME_LEN: usize = 64;
const MAX_URI_LEN: usize = 256;

fn validate_name(name: &str) -> Result<(), ContractError> {
    if name.is_empty() || name.len() > MAX_NAME_LEN {
        return Err(ContractError::InvalidField {
            field: "name",
            reason: format!("1 to {MAX_NAME_LEN} bytes"),
        });
    }
    Ok(())
}

fn validate_uri(uri: &Option<String>) -> Result<(), ContractError> {
    if uri
        .as_ref()
        .is_some_and(|u| u.is_empty() || u.len() > MAX_URI_LEN || u.contains(char::is_whitespace))
    {
        return Err(ContractError::InvalidField {
            field: "uri",
            reason: format!("1 to {MAX_URI_LEN} bytes, no whitespace"),
        });
    }
    Ok(())
}

pub fn load(storage: &dyn Storage, id: u32) -> Result<Service, ContractError> {
    SERVICES
        .may_load(storage, id)?
        .ok_or(ContractError::NoSuchService { id })
}

pub fn register(
    deps: DepsMut,
    info: MessageInfo,
    name: String,
    uri: Option<String>,
    slasher: String,
    max_slash_bps: u16,
) -> Result<Response, ContractError> {
    ADMIN.assert_admin(deps.as_ref(), &info.sender)?;
    validate_name(&name)?;
    validate_uri(&uri)?;
    if max_slash_bps == 0 || max_slash_bps > 10_000 {
        return Err(ContractError::InvalidField {
            field: "max_slash_bps",
            reason: "1 to 10000".into(),
        });
    }
    // Nobody has allocated to a new service yet, so its first slasher can act at once.
    let slasher = deps.api.addr_validate(&slasher)?;
    let id = NEXT_SERVICE_ID.may_load(deps.storage)?.unwrap_or(1);
    NEXT_SERVICE_ID.save(deps.storage, &(id + 1))?;
    let service = Service {
        id,
        name,
        uri,
        slasher,
        max_slash_bps,
        pending_slasher: None,
    };
    SERVICES.save(deps.storage, id, &service)?;
    Ok(Response::new()
        .add_attribute("action", "register_service")
        .add_attribute(events::SERVICE_ID, id.to_string())
        .add_attribute("slasher", service.slasher))
}

pub fn update(
    deps: DepsMut,
    env: Env,
    info: MessageInfo,
    id: u32,
    name: Option<String>,
    uri: Option<String>,
    slasher: Option<String>,
) -> Result<Response, ContractError> {
    ADMIN.assert_admin(deps.as_ref(), &info.sender)?;
    let mut service = load(deps.storage, id)?;
    settle_slasher(&mut service, &env);
    if let Some(name) = name {
        validate_name(&name)?;
        service.name = name;
    }
    if uri.is_some() {
        validate_uri(&uri)?;
        service.uri = uri;
    }
    let mut response = Response::new()
        .add_attribute("action", "update_service")
        .add_attribute(events::SERVICE_ID, id.to_string());
    if let Some(slasher) = slasher {
        // The slices allocated to the service were allocated under its current slasher. A new
        // one waits twice the withdrawal delay, so an operator who distrusts it can deallocate
        // and see its slice released (one withdrawal delay) before the new slasher can act.
        let delay = 2 * CONFIG.load(deps.storage)?.withdrawal_delay;
        let pending = PendingSlasher {
            address: deps.api.addr_validate(&slasher)?,
            effective_at: env.block.time.plus_seconds(delay),
        };
        response = response
            .add_attribute("pending_slasher", pending.address.as_str())
            .add_attribute("effective_at", pending.effective_at.seconds().to_string());
        service.pending_slasher = Some(pending);
    }
    SERVICES.save(deps.storage, id, &service)?;
    Ok(response)
}

/// Makes a pending slasher whose time has come the slasher.
fn settle_slasher(service: &mut Service, env: &Env) {
    let now = env.block.time;
    if let Some(pending) = service.pending_slasher.take_if(|p| p.is_effective(now)) {
        service.slasher = pending.address;
    }
}

/// Checks that `sender` may slash for the service at the current time.
pub fn assert_slasher(service: &Service, env: &Env, sender: &Addr) -> Result<(), ContractError> {
    if service.slasher_at(env.block.time) != sender {
        return Err(ContractError::NotSlasher {
            service_id: service.id,
        });
    }
    Ok(())
}
