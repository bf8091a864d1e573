// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @title ReentrantToken
/// @notice Test only: an ERC-20 that, once armed, calls back into a target (the escrow) while the
/// target is transferring tokens out, to prove the escrow refuses reentrant calls.
contract ReentrantToken is ERC20 {
    /// @notice The contract to re-enter; zero when disarmed.
    address public target;
    /// @notice The call made to `target`.
    bytes public payload;
    /// @notice Whether a failed reentrant call reverts the transfer (true) or is recorded (false).
    bool public bubble;
    /// @notice The revert data of the last failed reentrant call.
    bytes public lastRevert;
    /// @notice Whether the last reentrant call succeeded.
    bool public lastReentrySucceeded;

    /// @param supply Minted to the deployer.
    constructor(uint256 supply) ERC20("Reentrant Token", "RENT") {
        _mint(msg.sender, supply);
    }

    /// @notice Arms one reentrant call, made on the next transfer out of `target_`.
    /// @param target_ The contract to call back.
    /// @param payload_ The calldata.
    /// @param bubble_ Revert the transfer with the callback's error instead of recording it.
    function arm(address target_, bytes calldata payload_, bool bubble_) external {
        target = target_;
        payload = payload_;
        bubble = bubble_;
    }

    function _update(address from, address to, uint256 value) internal override {
        super._update(from, to, value);
        address callee = target;
        if (callee == address(0) || from != callee) return;
        target = address(0);
        (bool success, bytes memory data) = callee.call(payload);
        lastReentrySucceeded = success;
        if (success) return;
        if (bubble) {
            assembly {
                revert(add(data, 32), mload(data))
            }
        }
        lastRevert = data;
    }
}
