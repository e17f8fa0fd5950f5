#include "domain/registry.h"

#include "auth/users.h"
#include "domain/cashier.h"
#include "domain/city.h"
#include "domain/conflicts.h"
#include "domain/contractors.h"
#include "domain/fees.h"
#include "domain/incidents.h"
#include "domain/inspections.h"
#include "domain/licenses.h"
#include "domain/online_payments.h"
#include "domain/parties.h"
#include "domain/permit_types.h"
#include "domain/permits.h"
#include "domain/pets.h"
#include "domain/tags.h"
#include "domain/utilities.h"
#include "store/idempotency.h"
#include "store/series.h"
#include "sync/bundle.h"
#include "sync/peer_log.h"

namespace holdfast::domain {

const store::Registry& NodeRegistry() {
  static const store::Registry registry = [] {
    store::Registry r;
    store::RegisterSeries(r);
    store::RegisterIdempotency(r);
    sync::RegisterSync(r);
    sync::RegisterPeerLog(r);
    RegisterCity(r);
    auth::RegisterUsers(r);
    RegisterParties(r);
    RegisterFees(r);
    RegisterPets(r);
    RegisterTags(r);
    RegisterLicenses(r);
    RegisterCashier(r);
    RegisterConflicts(r);
    RegisterPermitTypes(r);
    RegisterContractors(r);
    RegisterPermits(r);
    RegisterInspections(r);
    RegisterIncidents(r);
    RegisterUtilities(r);
    RegisterOnlinePayments(r);
    return r;
  }();
  return registry;
}

}  // namespace holdfast::domain
